/**
 * The predictions-per-epoch file: instance flow from training runs trustscope did not do itself
 * (`explore --epochs FILE`), and what `trustscope train` writes. Two forms:
 *
 * JSON (what `train` writes):
 *   { "classNames": ["grain", …],            optional; else the reader's class names
 *     "epochs": [1, 2, 3],
 *     "instances": [ { "id": "train-0", "set": "train", "label": 3, "predicted": [5, 3, 3] }, … ] }
 *   `set` is optional (default "input"); `label` is optional when `id` is a row index into the
 *   labels the reader is given (explore's --labels); `predicted` has one class per epoch.
 *
 * CSV, one row per instance and epoch, with a header naming the columns (any order):
 *   instance,epoch,predicted[,label][,set]
 *   `predicted` and `label` are class indices or class names; `epoch` an integer. Every instance
 *   needs a row for every epoch that appears in the file.
 */
import { parseCsv } from '../data/csv.js';
import type { PredictionsPerEpoch, RecordedInstance } from './instance-flow.js';

/** What a file may leave out: class names, and labels for instances whose id is a row index. */
export interface PredictionsContext {
  readonly classNames: readonly string[];
  /** True classes by row (explore's --labels), for instances without a label of their own. */
  readonly labels?: readonly number[];
}

const DEFAULT_SET = 'input';

function classIndex(value: unknown, names: readonly string[], where: string, what: string): number {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
    const k = Number(value);
    if (Number.isInteger(k) && k >= 0 && k < names.length) return k;
    throw new Error(`${where}: ${what} ${k} is not a class index in [0, ${names.length}); give class names or indices of the ${names.length} classes`);
  }
  if (typeof value === 'string') {
    const k = names.indexOf(value.trim());
    if (k >= 0) return k;
    throw new Error(`${where}: ${what} '${value}' is neither a class index nor one of the class names (${names.join(', ')})`);
  }
  throw new Error(`${where}: ${what} is missing; give a class index or name`);
}

function labelOf(id: string, given: unknown, context: PredictionsContext, where: string): number {
  if (given !== undefined && given !== '') return classIndex(given, context.classNames, where, 'label');
  const row = /^\d+$/.test(id) ? Number(id) : NaN;
  if (context.labels && Number.isInteger(row) && row < context.labels.length) return context.labels[row];
  throw new Error(`${where}: instance '${id}' has no label; add a label column/field, or use row indices of --labels (0…${(context.labels?.length ?? 0) - 1}) as instance ids`);
}

function checkEpochs(epochs: readonly number[], source: string): void {
  if (epochs.length === 0) throw new Error(`${source}: no epochs; instance flow needs predictions after at least one epoch`);
  epochs.forEach((e, i) => {
    if (!Number.isInteger(e)) throw new Error(`${source}: epoch '${e}' is not an integer`);
    if (i > 0 && e <= epochs[i - 1]) throw new Error(`${source}: epochs must increase (${epochs[i - 1]} then ${e})`);
  });
}

/** Reads the JSON form (see the file comment). */
export function parsePredictionsJson(text: string, source: string, context: PredictionsContext): PredictionsPerEpoch {
  let json: { classNames?: unknown; epochs?: unknown; instances?: unknown };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message.split('\n')[0]}); see README "Instance flow" for the format`);
  }
  const classNames = Array.isArray(json.classNames) ? json.classNames.map(String) : [...context.classNames];
  if (classNames.length !== context.classNames.length) throw new Error(`${source}: names ${classNames.length} classes but the model has ${context.classNames.length}`);
  if (!Array.isArray(json.epochs)) throw new Error(`${source}: needs "epochs": [1, 2, …] (the epoch numbers recorded)`);
  const epochs = json.epochs.map(Number);
  checkEpochs(epochs, source);
  if (!Array.isArray(json.instances) || json.instances.length === 0) throw new Error(`${source}: needs "instances": [{ "id", "label", "predicted": [one class per epoch] }, …]`);
  const ctx = { ...context, classNames };
  const instances: RecordedInstance[] = json.instances.map((raw: { id?: unknown; set?: unknown; label?: unknown; predicted?: unknown }, i: number) => {
    const id = raw.id === undefined ? String(i) : String(raw.id);
    const where = `${source}: instances[${i}]`;
    if (!Array.isArray(raw.predicted) || raw.predicted.length !== epochs.length) throw new Error(`${where}: "predicted" needs one class per epoch (${epochs.length})`);
    return { id, set: raw.set === undefined ? DEFAULT_SET : String(raw.set), label: labelOf(id, raw.label, ctx, where), predicted: raw.predicted.map((p) => classIndex(p, classNames, where, 'predicted class')) };
  });
  return { classNames, epochs, instances };
}

/** Reads the CSV form (see the file comment). */
export function parsePredictionsCsv(text: string, source: string, context: PredictionsContext): PredictionsPerEpoch {
  const rows = parseCsv(text, source);
  if (rows.length < 2) throw new Error(`${source}: needs a header (instance,epoch,predicted[,label][,set]) and at least one row`);
  const header = rows[0].cells.map((c) => c.trim().toLowerCase());
  const column = (name: string) => header.indexOf(name);
  const [idCol, epochCol, predCol, labelCol, setCol] = ['instance', 'epoch', 'predicted', 'label', 'set'].map(column);
  const missing = ['instance', 'epoch', 'predicted'].filter((_, k) => [idCol, epochCol, predCol][k] < 0);
  if (missing.length > 0) throw new Error(`${source}:1: the header lacks ${missing.join(', ')}; expected columns instance,epoch,predicted[,label][,set]`);
  const byInstance = new Map<string, { set: string; label: unknown; line: number; predicted: Map<number, number> }>();
  const epochSet = new Set<number>();
  for (const { line, cells } of rows.slice(1)) {
    const where = `${source}:${line}`;
    const id = (cells[idCol] ?? '').trim();
    if (id === '') throw new Error(`${where}: the instance id is empty`);
    const epoch = Number(cells[epochCol]);
    if (!Number.isInteger(epoch)) throw new Error(`${where}: epoch '${cells[epochCol] ?? ''}' is not an integer`);
    const set = setCol >= 0 && cells[setCol] ? cells[setCol].trim() : DEFAULT_SET;
    const key = `${set}\u0000${id}`;
    const entry = byInstance.get(key) ?? { set, label: labelCol >= 0 ? cells[labelCol] : undefined, line, predicted: new Map<number, number>() };
    if (entry.predicted.has(epoch)) throw new Error(`${where}: instance '${id}' has a second row for epoch ${epoch}`);
    entry.predicted.set(epoch, classIndex(cells[predCol], context.classNames, where, 'predicted class'));
    byInstance.set(key, entry);
    epochSet.add(epoch);
  }
  const epochs = [...epochSet].sort((a, b) => a - b);
  checkEpochs(epochs, source);
  const instances: RecordedInstance[] = [];
  for (const [key, e] of byInstance) {
    const id = key.slice(key.indexOf('\u0000') + 1);
    const absent = epochs.find((ep) => !e.predicted.has(ep));
    if (absent !== undefined) throw new Error(`${source}:${e.line}: instance '${id}' has no row for epoch ${absent}; every instance needs a prediction at every epoch`);
    instances.push({ id, set: e.set, label: labelOf(id, e.label, context, `${source}:${e.line}`), predicted: epochs.map((ep) => e.predicted.get(ep)!) });
  }
  return { classNames: [...context.classNames], epochs, instances };
}

/** By extension: .csv is the CSV form, anything else JSON. */
export function parsePredictionsFile(text: string, source: string, context: PredictionsContext): PredictionsPerEpoch {
  return /\.csv$/i.test(source) ? parsePredictionsCsv(text, source, context) : parsePredictionsJson(text, source, context);
}

/**
 * The JSON form as text, on one line: a per-instance layout would not survive the output folder,
 * which re-indents JSON when it adds the provenance (and 2 000 instances × 12 epochs indented are
 * 40 000 lines).
 */
export function predictionsJson(record: PredictionsPerEpoch): string {
  const instances = record.instances.map((i) => ({ id: i.id, set: i.set, label: i.label, predicted: i.predicted }));
  return JSON.stringify({ classNames: record.classNames, epochs: record.epochs, instances }) + '\n';
}
