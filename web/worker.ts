/**
 * The workbench's compute: every model call, attribution and check runs here, off the page's
 * thread, so the page stays responsive and Cancel can simply terminate this worker.
 */
import { explainers } from '../src/attribution/registry.js';
import { explainDropped, formOptions } from '../src/web/explain-session.js';
import { auditDropped } from '../src/web/audit-session.js';
import { evaluateDropped, metricChoices, metricsFor } from '../src/web/evaluate-session.js';
import { summariseDroppedFile } from '../src/web/dropped-files.js';
import { readers } from '../src/data/formats/registry.js';
import { loadDroppedModel } from '../src/web/dropped-model.js';
import type { WorkbenchEnvironment } from '../src/web/browser-provenance.js';
import type { Envelope, Reply, Request } from './protocol.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<Envelope<Request>>) => void) | null;
  postMessage(message: Envelope<Reply>): void;
  navigator: { userAgent: string; platform?: string; hardwareConcurrency?: number };
}
const scope = self as unknown as WorkerScope;

/** Readers that cannot run in a page: the HDF5 reader (EMD) runs h5wasm in a Node worker thread. */
const NEEDS_NODE = new Set(['emd']);

function environment(): WorkbenchEnvironment {
  const ua = scope.navigator.userAgent;
  const chrome = /(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/.exec(ua);
  const firefox = /Firefox\/(\d+)/.exec(ua);
  const browser = chrome ? `Chromium ${chrome[1]}` : firefox ? `Firefox ${firefox[1]}` : 'a browser';
  return {
    trustscope: __TRUSTSCOPE_VERSION__,
    onnxruntime: `${__ORT_WEB_VERSION__} (web, WASM)`,
    platform: `${browser} (workbench)`,
    os: scope.navigator.platform ?? 'unknown',
    arch: 'wasm',
    cores: scope.navigator.hardwareConcurrency ?? 1,
  };
}

async function handle(request: Request, progress: (stage: string, fraction?: number) => void): Promise<Reply> {
  switch (request.kind) {
    case 'methods':
      return {
        kind: 'methods',
        methods: [...explainers.values()].map((e) => ({ name: e.name, description: e.description, options: formOptions(e), needsLayer: e.needs.layer === true, metrics: metricsFor(e) })),
        metrics: metricChoices(),
        extensions: readers.filter((r) => !NEEDS_NODE.has(r.name)).flatMap((r) => r.extensions),
      };
    case 'inspect': {
      const model = await loadDroppedModel(request.model, request.image);
      try {
        return { kind: 'inspect', layers: [...model.layers], inputShape: [...model.inputShape], outputSize: model.outputSize };
      } finally {
        await model.dispose();
      }
    }
    case 'describe':
      return { kind: 'describe', summary: await summariseDroppedFile(request.file) };
    case 'explain': {
      const { model, images, method, options, normalise, target, seed } = request;
      const out = await explainDropped({ model, images, method, options, normalise, seed, ...(target !== undefined ? { target } : {}) }, environment(), (stage) => progress(stage));
      return { kind: 'done', json: JSON.stringify(out.json), reportHtml: out.reportHtml, npy: out.npy };
    }
    case 'evaluate': {
      const out = await evaluateDropped(request, environment(), progress);
      return { kind: 'done', json: JSON.stringify(out.json), reportHtml: out.reportHtml };
    }
    case 'audit': {
      const out = await auditDropped(request, environment(), progress);
      return { kind: 'done', json: JSON.stringify(out.json), reportHtml: out.reportHtml };
    }
  }
}

scope.onmessage = (e) => {
  const { id, body } = e.data;
  const progress = (stage: string, fraction?: number) => scope.postMessage({ id, body: { kind: 'progress', stage, ...(fraction !== undefined ? { fraction } : {}) } });
  handle(body, progress).then(
    (reply) => scope.postMessage({ id, body: reply }),
    (err: unknown) => scope.postMessage({ id, body: { kind: 'error', message: ((err as Error).message ?? String(err)).split('\n')[0] } }),
  );
};
