/**
 * Merging per-item results that come back in any order, from any number of workers or jobs, into
 * the rows of one output. Each item's row lands at its id; a second result for the same id (a job a
 * stalled worker finished after its retry did) is dropped and counted, never appended, so the
 * merged output has exactly one row per item; an item that never came back is named, never padded
 * silently.
 */
export interface ItemFailure {
  id: number;
  /** One line: what went wrong with this item and what to do. */
  message: string;
}

/** What a worker returns for one job: the rows of the items it explained, in `ids` order, and the items it could not. */
export interface ItemResult {
  ids: number[];
  /** The shape of one item's row (e.g. [1, 32, 32]); empty when every item failed. */
  rowShape: number[];
  values: Float32Array;
  failures: ItemFailure[];
  /** Optional: one JSON record per item in `ids` order (an audit check's finding, record-codec.ts), merged beside its row. */
  records?: string[];
}

export class ItemRows {
  private values?: Float32Array;
  private rowShape?: number[];
  private readonly done: Uint8Array;
  private readonly failures = new Map<number, string>();
  private readonly records = new Map<number, string>();
  duplicates = 0;
  finished = 0;

  constructor(readonly count: number) {
    this.done = new Uint8Array(count);
  }

  add(result: ItemResult): void {
    const rowLength = result.rowShape.reduce((a, b) => a * b, 1);
    if (result.ids.length > 0) {
      if (!this.rowShape) {
        this.rowShape = [...result.rowShape];
        this.values = new Float32Array(this.count * rowLength);
      } else if (this.rowShape.join() !== result.rowShape.join()) {
        throw new Error(`items came back with rows of shape (${result.rowShape.join(', ')}) and (${this.rowShape.join(', ')}); every item of one run must have the same shape`);
      }
      if (result.values.length !== result.ids.length * rowLength) throw new Error(`a result holds ${result.values.length} values for ${result.ids.length} rows of ${rowLength}`);
      if (result.records && result.records.length !== result.ids.length) throw new Error(`a result holds ${result.records.length} records for ${result.ids.length} rows`);
    }
    result.ids.forEach((id, k) => {
      if (!this.claim(id)) return;
      this.values!.set(result.values.subarray(k * rowLength, (k + 1) * rowLength), id * rowLength);
      if (result.records) this.records.set(id, result.records[k]);
    });
    for (const f of result.failures) if (this.claim(f.id)) this.failures.set(f.id, f.message);
  }

  /** Marks an item answered; false when it already was (a duplicate) or is not an item of this run. */
  private claim(id: number): boolean {
    if (!Number.isInteger(id) || id < 0 || id >= this.count) throw new Error(`a result names item ${id}, but this run has items 0..${this.count - 1}`);
    if (this.done[id]) {
      this.duplicates++;
      return false;
    }
    this.done[id] = 1;
    this.finished++;
    return true;
  }

  has(id: number): boolean {
    return this.done[id] === 1;
  }

  /** Ids with no answer yet. */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (!this.done[i]) out.push(i);
    return out;
  }

  /** The item's record, when its result carried one. */
  record(id: number): string | undefined {
    return this.records.get(id);
  }

  failed(): ItemFailure[] {
    return [...this.failures].sort((a, b) => a[0] - b[0]).map(([id, message]) => ({ id, message }));
  }

  /**
   * The merged rows, (count, ...rowShape); failed items' rows are NaN so no number is ever made up
   * for them. Refuses while any item is unanswered: a short output is never written.
   */
  merged(): { shape: number[]; values: Float32Array } {
    const missing = this.missing();
    if (missing.length > 0) throw new Error(`${missing.length} of ${this.count} items have no result (first: item ${missing[0]})`);
    if (!this.rowShape || !this.values) throw new Error(`all ${this.count} items failed; the first: ${this.failed()[0]?.message ?? 'no message'}`);
    const rowLength = this.rowShape.reduce((a, b) => a * b, 1);
    for (const id of this.failures.keys()) this.values.fill(Number.NaN, id * rowLength, (id + 1) * rowLength);
    return { shape: [this.count, ...this.rowShape], values: this.values };
  }
}
