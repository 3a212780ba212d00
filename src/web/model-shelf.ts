/**
 * The workbench keeps the last dropped model — and with it the ONNX Runtime sessions and gradient
 * graphs it built — between requests. Explaining, evaluating and auditing the same model one after
 * the other then pays the session cost once (issue 21: building ResNet-18's sessions and backward
 * graph is about 0.7 s of CPU per call, bench/session-cost.ts), not on every click.
 *
 * Same model means the same bytes (SHA-256), the same model options and the same size of the first
 * image (a model with a dynamic H × W is sized to it). Only one model is kept: a VGG gradient session
 * holds gigabytes. A model still in use by a running request is disposed when that request ends, not
 * under it. Without WebCrypto (a page served over plain http from another host) nothing is kept.
 */
import type { OnnxModel, OnnxModelOptions } from '../models/model.js';
import type { NamedBytes } from './dropped-files.js';
import { loadDroppedModel } from './dropped-model.js';
import { imageSizeOf } from './image-batch.js';

export interface ModelLease {
  readonly model: OnnxModel;
  /** Whether the model (and its sessions) came from an earlier request. */
  readonly reused: boolean;
  /** Ends this request's use; the model is disposed only if it has been replaced meanwhile (or never kept). */
  release(): Promise<void>;
}

interface Kept {
  key: string;
  model: OnnxModel;
  leases: number;
  replaced: boolean;
}

async function sha256Hex(bytes: Uint8Array): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  // WebCrypto takes ArrayBuffer-backed views only (a SharedArrayBuffer view would be refused).
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ModelShelf {
  private kept?: Kept;

  /** The key a request's model is kept under, or undefined when it cannot be kept. */
  private async keyOf(file: NamedBytes, firstImage: NamedBytes | undefined, options: OnnxModelOptions): Promise<string | undefined> {
    const digest = await sha256Hex(file.bytes);
    if (!digest) return undefined;
    // A bad image is reported by loadDroppedModel or the image reader, with its own message.
    const size = firstImage ? await imageSizeOf(firstImage, undefined).catch(() => undefined) : undefined;
    return JSON.stringify([digest, file.name, options, size ?? null]);
  }

  async lease(file: NamedBytes, firstImage: NamedBytes | undefined, options: OnnxModelOptions = {}): Promise<ModelLease> {
    const key = await this.keyOf(file, firstImage, options);
    if (key !== undefined && this.kept?.key === key && !this.kept.replaced) return this.leaseOf(this.kept, true);
    const model = await loadDroppedModel(file, firstImage, options);
    if (key === undefined) return { model, reused: false, release: () => model.dispose() };
    const previous = this.kept;
    const kept: Kept = { key, model, leases: 0, replaced: false };
    this.kept = kept;
    if (previous) {
      previous.replaced = true;
      if (previous.leases === 0) await previous.model.dispose();
    }
    return this.leaseOf(kept, false);
  }

  private leaseOf(kept: Kept, reused: boolean): ModelLease {
    kept.leases++;
    let released = false;
    return {
      model: kept.model,
      reused,
      release: async () => {
        if (released) return;
        released = true;
        kept.leases--;
        if (kept.replaced && kept.leases === 0) await kept.model.dispose();
      },
    };
  }

  /** Frees the kept model's sessions now (once no request uses it). */
  async clear(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    if (!kept) return;
    kept.replaced = true;
    if (kept.leases === 0) await kept.model.dispose();
  }
}

/** The workbench worker's shelf, shared by explain, evaluate and audit requests. */
export const droppedModels = new ModelShelf();
