/**
 * The headline integration test: `trustscope audit --demo` trains the clean and the shortcut model
 * and audits both without being told which is which. It must flag the shortcut model's shortcut
 * (explanation + intervention, and in physical descriptors) and pass the clean one.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/cli-harness.js';
import { EXAMPLE_IMAGES } from '../../src/audit/demo-audit.js';
import { NO_PIXEL_SIZE } from '../../src/report/scale-bar.js';

interface AuditJson {
  models: { name: string; accuracy: number; verdicts: Record<string, string>; findings: { id: string; evidence: Record<string, unknown> }[] }[];
}

describe('trustscope audit --demo (seed 1)', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('flags the shortcut model and passes the clean one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustscope-audit-'));
    const r = await runCli(['audit', '--demo', '--out', dir, '--no-progress']);
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'audit.json'), 'utf8')) as AuditJson;
    const [clean, shortcut] = json.models;
    expect(clean.name).toBe('clean model');
    expect(shortcut.name).toBe('shortcut model');
    // Accuracy cannot tell them apart…
    expect(clean.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(shortcut.accuracy).toBeGreaterThanOrEqual(0.99);
    // …the audit can.
    expect(shortcut.verdicts.shortcut).toBe('flag');
    expect(shortcut.verdicts.descriptors).toBe('flag');
    expect(shortcut.verdicts.intervention).toBe('flag');
    expect(clean.verdicts.intervention).toBe('pass');
    expect(clean.verdicts.shortcut).toBe('pass');
    expect(clean.verdicts.descriptors).toBe('pass');
    // The explanation the verdicts rest on passes its sanity check for both; no leakage (specimens are not tied to labels).
    for (const m of [clean, shortcut]) {
      expect(m.verdicts.sanity).toBe('pass');
      expect(m.verdicts.leakage).toBe('pass');
      expect(m.verdicts.calibration).not.toBe('not-run');
      expect(m.verdicts.conformal).toBe('pass');
      expect(m.verdicts.ood).not.toBe('not-run');
    }
    const evidence = (m: AuditJson['models'][number]) => m.findings.find((f) => f.id === 'shortcut')!.evidence as { perClass: { transplant: { flipRate: number; controlFlipRate: number } }[] };
    expect(evidence(shortcut).perClass[0].transplant.flipRate).toBeGreaterThan(0.9);
    expect(evidence(clean).perClass[0].transplant.flipRate).toBeLessThan(0.2);
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('class="verdict flag"');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/(src|href)="https?:/);
    for (const f of ['clean-model.onnx', 'shortcut-model.onnx']) expect((await stat(join(dir, f))).size).toBeGreaterThan(1000);
    // The README's examples run on the shortcut model's first test tiles, written in three formats.
    const examples = await readdir(join(dir, 'examples'));
    expect(examples.sort()).toEqual(['groups.npy', 'labels.npy', 'roi.npy', 'tiles-png', 'tiles.npy', 'tiles.tif']);
    expect((await readdir(join(dir, 'examples', 'tiles-png'))).length).toBe(EXAMPLE_IMAGES);
    // Synthetic tiles have no pixel size: the page says so once.
    expect(html.split(NO_PIXEL_SIZE).length).toBe(2);
  }, 600_000);
});
