/**
 * The workbench page: collects the dropped or chosen files and the settings, hands the work to the
 * compute worker (worker.ts), shows its progress, and shows the result in the report's own page
 * (an iframe over the report HTML) with the JSON and the report to download. The page itself never
 * computes: a cancelled run is a terminated worker.
 */
import type { OptionSpec } from '../src/options/option-spec.js';
import type { FileSummary } from '../src/web/dropped-files.js';
import type { Envelope, FilePayload, MethodInfo, MetricInfo, Reply, Request } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const state: { model?: File; images: File[]; methods: MethodInfo[]; layers: string[]; busy: boolean; summaries: Map<File, string>; read: Map<File, FileSummary> } = {
  images: [],
  methods: [],
  layers: [],
  busy: false,
  summaries: new Map(),
  read: new Map(),
};
const urls: string[] = [];

/** Requests under way, by id: each gets its own reply (progress goes to the bar). */
const pending = new Map<number, (reply: Reply) => void>();
let nextId = 1;
let worker = startWorker();

/** Answers every request under way (the worker was stopped or failed). */
function settleAll(reply: Reply): void {
  const all = [...pending.values()];
  pending.clear();
  for (const resolve of all) resolve(reply);
}

function startWorker(): Worker {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<Envelope<Reply>>) => {
    const { id, body } = e.data;
    if (body.kind === 'progress') return showProgress(body.stage, body.fraction);
    const resolve = pending.get(id);
    pending.delete(id);
    resolve?.(body);
  };
  w.onerror = (e) => settleAll({ kind: 'error', message: e.message || 'the compute worker failed to start' });
  return w;
}

function ask(request: Request): Promise<Reply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, body: request } satisfies Envelope<Request>);
  });
}

function showProgress(stage: string, fraction?: number): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.hidden = false;
  if (fraction === undefined) bar.removeAttribute('value');
  else bar.value = fraction;
  $('stage').textContent = stage;
}

function showError(message: string): void {
  $('error').textContent = message;
}

async function payload(file: File): Promise<FilePayload> {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

type Mode = 'explain' | 'evaluate' | 'audit';

function mode(): Mode {
  return (document.querySelector('input[name=mode]:checked') as HTMLInputElement).value as Mode;
}

/** Which settings each mode shows. */
function showMode(): void {
  const m = mode();
  $('explain-options').hidden = m === 'audit';
  $('metric-options').hidden = m !== 'evaluate';
  $('audit-options').hidden = m !== 'audit';
  $('roi-options').hidden = m === 'explain';
}

/** One checkbox per metric of the registry, its default set ticked. */
function showMetrics(metrics: readonly MetricInfo[]): void {
  $('metrics').replaceChildren(
    ...metrics.map((m) => {
      const label = document.createElement('label');
      label.title = m.description;
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: m.name, checked: m.byDefault });
      box.dataset.metric = m.name;
      box.dataset.byDefault = String(m.byDefault);
      label.append(box, ` ${m.name}${m.needsMask ? ' (needs masks)' : ''}`);
      return label;
    }),
  );
}

function chosenMetrics(): string[] {
  return [...$('metrics').querySelectorAll<HTMLInputElement>('input[data-metric]')].filter((b) => b.checked).map((b) => b.value);
}

function listFiles(): void {
  const item = (text: string, summary?: FileSummary) => {
    const li = Object.assign(document.createElement('li'), { textContent: text });
    // The reader's numbers, for a test (or a curious user's devtools) to compare with Node's readers.
    if (summary) li.dataset.summary = JSON.stringify(summary);
    return li;
  };
  const items = [
    ...(state.model ? [item(`model: ${state.model.name} (${(state.model.size / 1024).toFixed(1)} KiB)`)] : []),
    ...state.images.map((f) => item(`image: ${f.name} (${(f.size / 1024).toFixed(1)} KiB)${state.summaries.has(f) ? ` — ${state.summaries.get(f)}` : ''}`, state.read.get(f))),
  ];
  $('file-list').replaceChildren(...items);
  $<HTMLButtonElement>('run').disabled = state.busy || !state.model || state.images.length === 0;
}

/** One form field per declared option, labelled with its key and help, holding its default. */
function optionField(spec: OptionSpec): HTMLElement {
  const label = document.createElement('label');
  label.title = spec.help;
  let input: HTMLInputElement | HTMLSelectElement;
  if (spec.kind === 'choice' || (spec.key === 'layer' && state.layers.length > 0)) {
    input = document.createElement('select');
    const choices = spec.kind === 'choice' ? (spec.choices ?? []) : state.layers;
    for (const c of choices) input.append(new Option(c, c, c === spec.default, c === spec.default));
  } else if (spec.kind === 'boolean') {
    input = Object.assign(document.createElement('input'), { type: 'checkbox' });
  } else {
    input = Object.assign(document.createElement('input'), { type: 'text', value: spec.default === undefined ? '' : String(spec.default) });
  }
  input.dataset.key = spec.key;
  input.dataset.kind = spec.kind;
  label.append(`${spec.kind === 'boolean' ? spec.flag.replace(/^--/, '') : spec.key} `, input);
  return label;
}

function showMethod(): void {
  const m = state.methods.find((x) => x.name === $<HTMLSelectElement>('method').value);
  if (!m) return;
  $('method-help').textContent = m.description;
  $('method-options').replaceChildren(...m.options.map(optionField));
  // Metrics that cannot judge this method (completeness needs a baseline method) are unticked and off.
  for (const box of $('metrics').querySelectorAll<HTMLInputElement>('input[data-metric]')) {
    box.disabled = !m.metrics.includes(box.value);
    box.checked = !box.disabled && box.dataset.byDefault === 'true';
  }
}

function typedOptions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const el of $('method-options').querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-key]')) {
    const key = el.dataset.key!;
    out[key] = el instanceof HTMLInputElement && el.type === 'checkbox' ? String(el.checked) : el.value;
  }
  return out;
}

/** Reads each new image once to list its shape, type and pixel size (or why it cannot be read). */
async function describeImages(files: readonly File[]): Promise<void> {
  for (const f of files) {
    const reply = await ask({ kind: 'describe', file: await payload(f) });
    const text = reply.kind === 'describe' ? reply.summary.text : reply.kind === 'error' ? `cannot read: ${reply.message}` : '';
    state.summaries.set(f, text);
    if (reply.kind === 'describe') state.read.set(f, reply.summary);
    listFiles();
  }
}

async function addFiles(files: Iterable<File>): Promise<void> {
  const added: File[] = [];
  for (const f of files) {
    if (f.name.toLowerCase().endsWith('.onnx')) state.model = f;
    else {
      state.images.push(f);
      added.push(f);
    }
  }
  listFiles();
  void describeImages(added);
  if (state.model) {
    const reply = await ask({ kind: 'inspect', model: await payload(state.model), ...(state.images[0] ? { image: await payload(state.images[0]) } : {}) });
    if (reply.kind === 'inspect') {
      state.layers = reply.layers;
      $('formats').textContent = `model input (${reply.inputShape.join(', ')}), ${reply.outputSize} outputs; ${reply.layers.length} named layers`;
      showMethod();
    } else if (reply.kind === 'error') showError(reply.message);
  }
}

function setBusy(busy: boolean): void {
  state.busy = busy;
  $<HTMLButtonElement>('cancel').disabled = !busy;
  listFiles();
}

function showResult(json: string, reportHtml: string, npy?: Uint8Array): void {
  while (urls.length) URL.revokeObjectURL(urls.pop()!);
  const jsonUrl = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const htmlUrl = URL.createObjectURL(new Blob([reportHtml], { type: 'text/html' }));
  urls.push(jsonUrl, htmlUrl);
  $<HTMLAnchorElement>('download-json').href = jsonUrl;
  $<HTMLAnchorElement>('download-report').href = htmlUrl;
  const npyLink = $<HTMLAnchorElement>('download-npy');
  npyLink.hidden = !npy;
  if (npy) {
    const npyUrl = URL.createObjectURL(new Blob([npy as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    urls.push(npyUrl);
    npyLink.href = npyUrl;
  }
  const frame = $<HTMLIFrameElement>('report');
  frame.onload = () => {
    frame.style.height = `${(frame.contentDocument?.documentElement.scrollHeight ?? 800) + 20}px`;
  };
  frame.srcdoc = reportHtml;
  $('results').hidden = false;
}

async function run(): Promise<void> {
  if (!state.model || state.images.length === 0) return;
  showError('');
  $('results').hidden = true;
  setBusy(true);
  showProgress('reading the files');
  try {
    const model = await payload(state.model);
    const images = await Promise.all(state.images.map(payload));
    const normalise = $<HTMLSelectElement>('normalise').value;
    const seed = Number($<HTMLInputElement>('seed').value) || 0;
    let request: Request;
    const targetText = $<HTMLInputElement>('target').value.trim();
    const target = targetText !== '' ? { target: Number(targetText) } : {};
    const roiFile = $<HTMLInputElement>('roi-file').files?.[0];
    const roi = roiFile ? { roi: await payload(roiFile) } : {};
    const method = $<HTMLSelectElement>('method').value;
    if (mode() === 'explain') {
      request = { kind: 'explain', model, images, method, options: typedOptions(), normalise, seed, ...target };
    } else if (mode() === 'evaluate') {
      const metrics = chosenMetrics();
      if (metrics.length === 0) throw new Error('choose at least one metric');
      request = { kind: 'evaluate', model, images, method, options: typedOptions(), metrics, normalise, seed, ...target, ...roi };
    } else {
      const labels = $<HTMLInputElement>('labels-file').files?.[0];
      if (!labels) throw new Error('the audit needs the labels: choose a .npy file with one class id per image');
      request = { kind: 'audit', model, images, labels: await payload(labels), normalise, seed, ...roi };
    }
    const started = performance.now();
    const reply = await ask(request);
    if (reply.kind === 'done') {
      showResult(reply.json, reply.reportHtml, reply.npy);
      $('stage').textContent = `done in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    } else if (reply.kind === 'error') {
      showError(reply.message);
      $('stage').textContent = '';
    }
  } catch (e) {
    showError((e as Error).message);
  } finally {
    $<HTMLProgressElement>('progress').hidden = true;
    setBusy(false);
  }
}

function cancel(): void {
  worker.terminate();
  worker = startWorker();
  settleAll({ kind: 'error', message: 'cancelled' });
  void init();
}

async function init(): Promise<void> {
  const reply = await ask({ kind: 'methods' });
  if (reply.kind !== 'methods') return showError(reply.kind === 'error' ? reply.message : 'the compute worker did not answer');
  state.methods = reply.methods;
  if ($('metrics').childElementCount === 0) showMetrics(reply.metrics);
  $('formats').textContent = `Images: ${reply.extensions.join(' ')} (EMD/HDF5: convert first with trustscope convert)`;
  $<HTMLInputElement>('image-files').accept = reply.extensions.join(',');
  const select = $<HTMLSelectElement>('method');
  const chosen = select.value || 'saliency';
  select.replaceChildren(...reply.methods.map((m) => new Option(m.name, m.name, m.name === chosen, m.name === chosen)));
  showMethod();
}

$('model-file').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void addFiles([f]);
});
$('image-files').addEventListener('change', (e) => {
  state.images = [];
  void addFiles((e.target as HTMLInputElement).files ?? []);
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  void addFiles(e.dataTransfer?.files ?? []);
});
$('method').addEventListener('change', showMethod);
for (const r of document.querySelectorAll<HTMLInputElement>('input[name=mode]')) r.addEventListener('change', showMode);
showMode();
$('run').addEventListener('click', () => void run());
$('cancel').addEventListener('click', cancel);
void init();
