/**
 * Provenance pieces: the model origin read from a PyTorch export (checked against a hand-walk of the
 * protobuf's fields 1, 2, 3, 8 in Python), the stage clock on a fake clock, the JSON stamping, the
 * HTML footer, and the ONNX Runtime version against onnxruntime-node's package.json.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { jsonOptions, modelRecord, onnxRuntimeVersion, sha256File, StageClock, withProvenanceField, type Provenance } from '../../src/cli/provenance.js';
import { PROVENANCE_SLOT, htmlPage, withProvenanceFooter } from '../../src/report/html.js';

const TORCH = 'test/fixtures/families/group-norm-opset14/model.onnx';

const sample: Provenance = {
  trustscope: '0.1.0',
  command: 'explain',
  arguments: ['explain', '--model', 'm.onnx'],
  cwd: '/tmp',
  options: { seed: 1 },
  seed: 1,
  models: [{ path: 'm.onnx', bytes: 3, sha256: 'a'.repeat(64), producer: 'pytorch', producerVersion: '1.13.0', opset: 14 }],
  inputs: [{ path: 'm.onnx', bytes: 3, sha256: 'a'.repeat(64) }, { path: 'x<1>.npy', bytes: 4, sha256: 'b'.repeat(64) }],
  onnxruntime: '1.30.0',
  node: 'v20.0.0',
  machine: { os: 'linux', release: '6', arch: 'x64', cpu: 'cpu', cores: 2, memoryGiB: 4 },
  started: '2026-01-01T00:00:00.000Z',
  seconds: 1.5,
  stages: { training: 1 },
};

describe('provenance', () => {
  it("reads a PyTorch export's producer, IR version and opset (as Python's field walk does)", async () => {
    const r = await modelRecord(await sha256File(TORCH));
    expect(r).toMatchObject({ producer: 'pytorch', producerVersion: '1.13.0', irVersion: 7, opset: 14, opsets: { '': 14 } });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.bytes).toBe((await readFile(TORCH)).length);
  });

  it('a file that is not ONNX keeps its hash and gains no origin', async () => {
    const r = await modelRecord(await sha256File('package.json'));
    expect(r.producer).toBeUndefined();
    // sha256 of a known string, against node's own: the empty-input digest is the published constant.
    expect((await sha256File('/dev/null')).sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it("ONNX Runtime's version is onnxruntime-node's package version", async () => {
    const pkg = JSON.parse(await readFile('node_modules/onnxruntime-node/package.json', 'utf8'));
    expect(onnxRuntimeVersion()).toBe(pkg.version);
  });

  it('charges time to a stage until the next one starts, and accumulates a stage that returns', () => {
    let t = 0;
    const clock = new StageClock(() => t);
    clock.update('a');
    t = 1000;
    clock.update('a');
    t = 2500;
    clock.update('b');
    t = 3000;
    clock.update('a');
    t = 3250;
    expect(clock.snapshot()).toEqual({ a: 2.75, b: 0.5 });
  });

  it('stamps JSON objects keeping their indentation, leaves other JSON alone, and drops functions from options', () => {
    const two = withProvenanceField('{\n  "x": 1\n}\n', sample);
    expect(two.startsWith('{\n  "x": 1,\n  "provenance": {')).toBe(true);
    expect(two.endsWith('}\n')).toBe(true);
    expect(JSON.parse(withProvenanceField('{"x":1}', sample)).provenance.seed).toBe(1);
    expect(withProvenanceField('{"x":1}', sample)).not.toContain('\n');
    expect(withProvenanceField('[1,2]', sample)).toBe('[1,2]');
    expect(jsonOptions({ a: 1, f: () => 1, u: undefined, t: new Float32Array([0.5]) })).toEqual({ a: 1, t: [0.5] });
  });

  it('fills the page footer with the command, the hashes and the versions, escaped', () => {
    const page = htmlPage({ title: 't', body: '<p>x</p>' });
    expect(page).toContain(PROVENANCE_SLOT);
    const stamped = withProvenanceFooter(page, sample);
    expect(stamped).not.toContain(PROVENANCE_SLOT);
    expect(stamped).toMatch(/<footer class="provenance">[\s\S]*trustscope explain --model m\.onnx[\s\S]*seed 1/);
    expect(stamped).toContain('pytorch 1.13.0, opset 14');
    expect(stamped).toContain('x&lt;1&gt;.npy');
    expect(stamped).toContain('ONNX Runtime 1.30.0');
    expect(stamped.indexOf('<footer class="provenance">')).toBeLessThan(stamped.indexOf('</body>'));
    // A page built without the slot gets the footer before </body>.
    expect(withProvenanceFooter('<html><body>x</body></html>', sample)).toMatch(/<footer class="provenance">[\s\S]*<\/footer>\n<\/body>/);
  });
});
