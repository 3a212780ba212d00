/**
 * The browser workbench in real Chromium (Debian's, driven by playwright-core; Playwright never
 * downloads a browser): builds the app with Vite's JS API, serves it with `trustscope workbench`'s
 * server, and runs whole sessions through the file inputs — saliency and integrated gradients on a
 * PNG and an .npy batch, then the audit — recording every request the browser makes. Asserts that
 * no request leaves 127.0.0.1, that the maps equal the Node pipeline's (onnxruntime-node) for the
 * same bytes to float32 rounding, and that the downloads are the JSON and report shown. Screenshots
 * of each page go to dist/test-artifacts/workbench/ (or $TRUSTSCOPE_TEST_ARTIFACTS).
 *
 * Without /usr/bin/chromium (or $CHROMIUM) the suite is skipped with a note, except under CI=true,
 * where .ci/run installs it and a missing browser is a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { encodeModel } from '../../src/onnx/proto.js';
import { encodeNpy, readNpy } from '../../src/data/formats/npy.js';
import { encodeGrey16Png } from '../../src/data/formats/png-writer.js';
import { encodeFloat32TiffStack } from '../../src/data/formats/tiff-writer.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { startWorkbenchServer, type WorkbenchServer } from '../../src/cli/workbench-server.js';
import { explainDropped, attributionTensor, type ExplainJson } from '../../src/web/explain-session.js';
import { auditDropped } from '../../src/web/audit-session.js';
import { evaluateDropped } from '../../src/web/evaluate-session.js';
import type { WorkbenchEnvironment } from '../../src/web/browser-provenance.js';
import { summariseDroppedFile, type FileSummary, type NamedBytes } from '../../src/web/dropped-files.js';
import { uniformValues } from '../helpers/models.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { buildWeb } from '../../scripts/build-web.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const HAVE_BROWSER = existsSync(CHROMIUM);
if (!HAVE_BROWSER && process.env.CI === 'true') throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium for the workbench tests`);
const ARTIFACTS = resolve(process.env.TRUSTSCOPE_TEST_ARTIFACTS ?? join('dist', 'test-artifacts', 'workbench'));
const NODE_ENV: WorkbenchEnvironment = { trustscope: 'test', onnxruntime: 'node', platform: 'Node', os: 'linux', arch: 'x64', cores: 2 };

// A tiny CNN (1×32×32, 2 classes) and its inputs: a 16-bit PNG and an .npy batch of 2; 24 labelled images for the audit.
const MODEL: NamedBytes = { name: 'tiny-cnn.onnx', bytes: encodeModel(tinyCnn({ seed: 3 })) };
const PNG: NamedBytes = { name: 'tile.png', bytes: encodeGrey16Png({ shape: [32, 32], data: uniformValues(1024, 11, 0, 1) }) };
const NPY: NamedBytes = { name: 'pair.npy', bytes: encodeNpy({ shape: [2, 1, 32, 32], data: uniformValues(2048, 12, 0, 1) }) };
const TIFF: NamedBytes = { name: 'stack.tif', bytes: encodeFloat32TiffStack({ shape: [2, 32, 32], data: uniformValues(2048, 14, 0, 1) }) };
// One file per reader (and the TIFF codecs that need the browser shims: Deflate via fflate, LZW/PackBits via utif2).
const FORMAT_FIXTURES = [
  'npy/dtype-u2-be.npy', 'png/rgb16-4x4.png', 'jpeg/grey-baseline.jpg', 'mrc/mode12-float16.mrc', 'dm/uint16-2d.dm4', 'dm/float32-2d.dm3',
  'tiff/deflate-pred-float32.tif', 'tiff/lzw-pred-uint16.tif', 'tiff/packbits-uint8.tif', 'tiff/imagej-um.tif', 'ser/diffraction-u8-v210_1.ser',
].map((f) => join('test', 'fixtures', 'formats', f));
const AUDIT_N = 24;
const AUDIT_IMAGES: NamedBytes = { name: 'audit.npy', bytes: encodeNpy({ shape: [AUDIT_N, 1, 32, 32], data: uniformValues(AUDIT_N * 1024, 13, 0, 1) }) };
const AUDIT_LABELS: NamedBytes = { name: 'labels.npy', bytes: encodeNpy({ shape: [AUDIT_N], data: Float32Array.from({ length: AUDIT_N }, (_, i) => i % 2) }) };
// The region of interest: a centred disk of radius 6 (the shortcut check compares saliency inside and out).
const ROI: NamedBytes = { name: 'roi.npy', bytes: encodeNpy({ shape: [32, 32], data: Float32Array.from({ length: 1024 }, (_, i) => ((Math.floor(i / 32) - 15.5) ** 2 + ((i % 32) - 15.5) ** 2 <= 36 ? 1 : 0)) }) };

/** Every number inside a JSON value, with its path (the audit's evidence, compared engine against engine). */
function numbersOf(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbersOf(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => numbersOf(v, `${path}.${k}`));
  return [];
}

/** Relative L2 distance ‖a − b‖ / ‖b‖ (max errors mislead near max-pool ties; DESIGN.md). */
function relativeL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe.skipIf(!HAVE_BROWSER)('browser workbench in Chromium', () => {
  let dir: string;
  let server: WorkbenchServer;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const files: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustscope-workbench-'));
    const site = await buildWeb({ outDir: join(dir, 'site'), quiet: true });
    server = await startWorkbenchServer(site, 0);
    for (const f of [MODEL, PNG, NPY, TIFF, AUDIT_IMAGES, AUDIT_LABELS, ROI]) {
      files[f.name] = join(dir, f.name);
      await writeFile(files[f.name], f.bytes);
    }
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // Every request is recorded; anything not for our server is also refused, so a leak cannot succeed silently.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      return url.startsWith('http://127.0.0.1:') || url.startsWith('data:') || url.startsWith('blob:') ? route.continue() : route.abort();
    });
    context.on('request', (r) => requests.push(r.url()));
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelectorAll('#method option').length > 5, undefined, { timeout: 60_000 });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function chooseInputs(images: string[]): Promise<void> {
    await page.setInputFiles('#model-file', files[MODEL.name]);
    await page.setInputFiles('#image-files', images.map((n) => files[n]));
    await expect.poll(() => page.locator('#formats').textContent(), { timeout: 60_000 }).toContain('model input (1, 32, 32)');
  }

  async function runAndDownload(shot: string): Promise<{ json: Record<string, unknown>; report: string }> {
    await page.click('#run');
    await page.locator('#results:not([hidden]), #error:not(:empty)').first().waitFor({ timeout: 240_000 });
    expect(await page.locator('#error').textContent()).toBe('');
    await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
    console.log(`workbench ${shot.replace(/\.png$/, '')}: ${await page.locator('#stage').textContent()}`);
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    const [reportDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-report')]);
    const json = JSON.parse(await readFile((await jsonDownload.path())!, 'utf8')) as Record<string, unknown>;
    const report = await readFile((await reportDownload.path())!, 'utf8');
    expect(await page.frameLocator('#report').locator('h1').first().textContent()).toBe(report.match(/<h1>(.*?)<\/h1>/)?.[1]?.replace(/&amp;/g, '&'));
    return { json, report };
  }

  it('the page is cross-origin isolated (WASM threads) and lists the registry\'s methods', async () => {
    await page.screenshot({ path: join(ARTIFACTS, 'start.png'), fullPage: true });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const methods = await page.locator('#method option').allTextContents();
    expect(methods).toEqual(expect.arrayContaining(['saliency', 'integrated-gradients', 'grad-cam', 'occlusion']));
  });

  for (const method of ['saliency', 'integrated-gradients'] as const) {
    it(`${method} on a PNG and an .npy batch equals the Node pipeline's maps (float32 rounding)`, async () => {
      await chooseInputs([PNG.name, NPY.name]);
      await page.selectOption('#method', method);
      const { json, report } = await runAndDownload(`explain-${method}.png`);
      const browser = json as unknown as ExplainJson;
      const node = await explainDropped({ model: MODEL, images: [PNG, NPY], method }, NODE_ENV);
      expect(browser.images.map((im) => im.label)).toEqual(['tile.png', 'pair.npy [0]', 'pair.npy [1]']);
      expect(browser.images.map((im) => im.predicted)).toEqual(node.json.images.map((im) => im.predicted));
      browser.images.forEach((im, i) => expect(im.confidence).toBeCloseTo(node.json.images[i].confidence, 5));
      const a = attributionTensor(browser);
      const b = attributionTensor(node.json);
      expect(a.shape).toEqual(b.shape);
      // The .npy download holds the same float32 maps as the JSON.
      const [npyDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-npy')]);
      const npy = await readNpy((await npyDownload.path())!);
      expect(npy.shape).toEqual(a.shape);
      expect(npy.data).toEqual(a.data);
      // Measured: saliency 0 to ~1e-7, IG (50 steps summed) ~1.4e-5: WASM-SIMD and native kernels sum in another order.
      const distance = relativeL2(a.data, b.data);
      console.log(`workbench ${method}: browser vs Node relative L2 ${distance.toExponential(2)}`);
      expect(distance).toBeLessThan(1e-4);
      expect(browser.options).toEqual(node.json.options);
      expect(browser.provenance.models[0].sha256).toBe(node.json.provenance.models[0].sha256);
      expect(browser.provenance.onnxruntime).toMatch(/web/);
      // The report: one colour bar per map, the image beside each overlay, labels, provenance.
      expect(report.match(/<svg[^>]*class="colourbar"/g)?.length).toBe(3);
      expect(report).toContain('tile.png');
      expect(report).toContain('<footer class="provenance">');
    });
  }

  /** Same keys, and every number within `tolerance` relative (both sides through JSON, as downloaded). */
  function expectSameNumbers(browser: unknown, node: unknown, what: string, tolerance = 1e-3): void {
    const b = numbersOf(browser);
    const n = numbersOf(JSON.parse(JSON.stringify(node)));
    expect(b.map(([p]) => p)).toEqual(n.map(([p]) => p));
    let worst = 0;
    b.forEach(([path, v], i) => {
      const err = Math.abs(v - n[i][1]) / Math.max(1e-6, Math.abs(n[i][1]));
      if (!(err <= tolerance)) expect.fail(`${what} ${path}: browser ${v}, Node ${n[i][1]}`);
      worst = Math.max(worst, err);
    });
    console.log(`workbench ${what}: ${b.length} numbers, worst relative difference browser vs Node ${worst.toExponential(2)}`);
  }

  it('evaluate: the default metrics (and localisation with masks) give the numbers and verdicts Node gives', async () => {
    await chooseInputs([PNG.name, NPY.name]);
    await page.check('input[name=mode][value=evaluate]');
    await page.selectOption('#method', 'saliency');
    await page.setInputFiles('#roi-file', files[ROI.name]);
    const checked = await page.locator('#metrics input:checked').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
    await page.check('#metrics input[value=localisation]');
    const { json, report } = await runAndDownload('evaluate.png');
    const metrics = [...checked, 'localisation'];
    const node = await evaluateDropped({ model: MODEL, images: [PNG, NPY], method: 'saliency', metrics, roi: ROI }, NODE_ENV);
    expect(json.metrics).toEqual(node.json.metrics);
    expect(json.verdicts).toEqual(JSON.parse(JSON.stringify(node.json.verdicts)));
    const { provenance: _b, ...browserResult } = json;
    const { provenance: _n, ...nodeResult } = node.json;
    expectSameNumbers(browserResult, nodeResult, 'evaluate');
    expect(report).toContain('<footer class="provenance">');
    await page.setInputFiles('#roi-file', []);
    await page.check('input[name=mode][value=explain]');
  });

  it('the audit runs in the browser and shows verdicts with the bottom line', async () => {
    await chooseInputs([AUDIT_IMAGES.name]);
    await page.check('input[name=mode][value=audit]');
    await page.setInputFiles('#labels-file', files[AUDIT_LABELS.name]);
    await page.setInputFiles('#roi-file', files[ROI.name]);
    const { json, report } = await runAndDownload('audit.png');
    const findings = json.findings as { id: string; verdict: string; evidence: Record<string, unknown> }[];
    expect(findings.length).toBeGreaterThan(5);
    expect(findings.find((f) => f.id === 'shortcut')?.verdict).not.toBe('not-run');
    // The same audit in Node: the same verdicts, and every number of the evidence to float32 rounding.
    const node = await auditDropped({ model: MODEL, images: [AUDIT_IMAGES], labels: AUDIT_LABELS, roi: ROI }, NODE_ENV);
    expect(json.verdicts).toEqual(node.json.verdicts);
    expectSameNumbers(findings.map((f) => f.evidence), node.json.findings.map((f) => f.evidence), 'audit evidence');
    expect(report).toContain('class="bottom-line');
    expect(report).toContain('<table class="verdicts"');
    await page.check('input[name=mode][value=explain]');
  });

  it('drag and drop: a model and a TIFF stack dropped on the page, Grad-CAM at a chosen layer, equal to Node', async () => {
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('#method option').length > 5, undefined, { timeout: 60_000 });
    const dropped = [MODEL, TIFF].map((f) => ({ name: f.name, bytes: [...f.bytes] }));
    const transfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
      return dt;
    }, dropped);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: transfer });
    await expect.poll(() => page.locator('#formats').textContent(), { timeout: 60_000 }).toContain('model input (1, 32, 32)');
    await page.selectOption('#method', 'grad-cam');
    await page.selectOption('#method-options [data-key=layer]', 'relu2_out');
    const { json } = await runAndDownload('explain-grad-cam-dropped.png');
    const browser = json as unknown as ExplainJson;
    const node = await explainDropped({ model: MODEL, images: [TIFF], method: 'grad-cam', options: { layer: 'relu2_out' } }, NODE_ENV);
    expect(browser.images.map((im) => im.label)).toEqual(['stack.tif [0]', 'stack.tif [1]']);
    expect(browser.options).toEqual(node.json.options);
    const distance = relativeL2(attributionTensor(browser).data, attributionTensor(node.json).data);
    console.log(`workbench grad-cam: browser vs Node relative L2 ${distance.toExponential(2)}`);
    expect(distance).toBeLessThan(1e-4);
  });

  it('Cancel stops a long run at once and the page works on', async () => {
    await chooseInputs([PNG.name]);
    await page.check('input[name=mode][value=explain]');
    await page.selectOption('#method', 'shapley-sampling');
    await page.fill('#method-options [data-key=orderings]', '5000');
    await page.click('#run');
    await expect.poll(() => page.locator('#stage').textContent(), { timeout: 60_000 }).toContain('explaining with shapley-sampling');
    // The page answers while the worker computes.
    expect(await page.evaluate(() => document.title)).toBe('trustscope workbench');
    await expect.poll(() => page.locator('#stage').textContent(), { timeout: 60_000 }).toMatch(/model rows/);
    await page.screenshot({ path: join(ARTIFACTS, 'running.png') });
    await page.click('#cancel');
    await expect.poll(() => page.locator('#error').textContent(), { timeout: 30_000 }).toBe('cancelled');
    expect(await page.locator('#run').isDisabled()).toBe(false);
    await page.waitForFunction(() => document.querySelectorAll('#method option').length > 5, undefined, { timeout: 60_000 });
  });

  it('every reader works on dropped bytes as in Node (shape, type, Σ values); EMD says what to do instead', async () => {
    await page.setInputFiles('#image-files', [...FORMAT_FIXTURES, join('test', 'fixtures', 'formats', 'emd', 'berkeley-image.emd')]);
    await page.waitForFunction((n) => [...document.querySelectorAll('#file-list li')].filter((li) => li.textContent!.includes(' — ')).length === n, FORMAT_FIXTURES.length + 1, { timeout: 60_000 });
    const listed = await page.locator('#file-list li').evaluateAll((lis) => lis.map((li) => ({ text: li.textContent!, summary: (li as HTMLElement).dataset.summary })));
    for (const path of FORMAT_FIXTURES) {
      const name = path.split('/').pop()!;
      const item = listed.find((l) => l.text.startsWith(`image: ${name} `));
      expect(item?.summary, `${name}: ${item?.text}`).toBeDefined();
      const browser = JSON.parse(item!.summary!) as FileSummary;
      const node = await summariseDroppedFile({ name, bytes: new Uint8Array(await readFile(path)) });
      expect({ ...browser, sum: 0 }).toEqual({ ...node, sum: 0 });
      expect(browser.sum).toBeCloseTo(node.sum, 6);
    }
    expect(listed.find((l) => l.text.startsWith('image: berkeley-image.emd'))?.text).toMatch(/cannot read: .*convert the file with 'trustscope convert --input FILE\.emd'/);
    // Running on them: one line naming the file, the problem and the fix (the first file is a 2×3 array).
    await page.setInputFiles('#model-file', files[MODEL.name]);
    await page.click('#run');
    await expect.poll(() => page.locator('#error').textContent(), { timeout: 60_000 }).toBe('dtype-u2-be.npy has shape [2, 3] but the model takes (1, 32, 32) or (N, 1, 32, 32); the workbench does not resize or tile (use trustscope explain --tile for whole micrographs)');
  });

  it('works from a plain static host too (no COOP/COEP, no CSP header): one WASM thread, same maps', async () => {
    const site = join(dir, 'site');
    const plain = createServer((req, res) => {
      const path = join(site, (req.url ?? '/').split('?')[0].replace(/\/$/, '/index.html'));
      readFile(path).then(
        (body) => res.writeHead(200, { 'Content-Type': path.endsWith('.html') ? 'text/html' : path.endsWith('.wasm') ? 'application/wasm' : path.endsWith('.css') ? 'text/css' : 'text/javascript' }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((done) => plain.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(plain.address() as { port: number }).port}/`;
    const other = await context.newPage();
    try {
      await other.goto(url);
      await other.waitForFunction(() => document.querySelectorAll('#method option').length > 5, undefined, { timeout: 60_000 });
      expect(await other.evaluate(() => crossOriginIsolated)).toBe(false);
      await other.setInputFiles('#model-file', files[MODEL.name]);
      await other.setInputFiles('#image-files', files[PNG.name]);
      await expect.poll(() => other.locator('#formats').textContent(), { timeout: 60_000 }).toContain('model input (1, 32, 32)');
      await other.click('#run');
      await other.locator('#results:not([hidden]), #error:not(:empty)').first().waitFor({ timeout: 120_000 });
      expect(await other.locator('#error').textContent()).toBe('');
      const [download] = await Promise.all([other.waitForEvent('download'), other.click('#download-json')]);
      const browser = JSON.parse(await readFile((await download.path())!, 'utf8')) as ExplainJson;
      const node = await explainDropped({ model: MODEL, images: [PNG], method: 'saliency' }, NODE_ENV);
      expect(relativeL2(attributionTensor(browser).data, attributionTensor(node.json).data)).toBeLessThan(1e-5);
    } finally {
      await other.close();
      await new Promise<void>((done) => plain.close(() => done()));
    }
  });

  it('no request left 127.0.0.1 during the whole session', () => {
    expect(requests.length).toBeGreaterThan(4);
    const outside = requests.filter((u) => !u.startsWith('http://127.0.0.1:') && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(outside).toEqual([]);
    // ORT's WASM came from our own origin.
    expect(requests.some((u) => u.startsWith(`${server.url}ort/`) && u.endsWith('.wasm'))).toBe(true);
  });
});
