/**
 * `remedy --from-audit audit.json`: the artifact to remove, taken from an audit's flagged finding
 * instead of a hand-drawn mask. The intervention finding names the user's patch exactly (its pixels
 * and intensity); the shortcut finding names where the flagged class's hotspot sits (the box around
 * the common window position, artifact-window.ts). The intervention wins when both flag.
 */
import { readFile } from 'node:fs/promises';
import { windowMask, type ArtifactWindow } from '../audit/artifact-window.js';
import { UsageError } from './errors.js';

export interface AuditArtifact {
  /** (H, W), 1 on the artifact. */
  mask: Float32Array;
  /** The patch's intensity when the finding records it (intervention); else undefined. */
  value?: number;
  class: number;
  /** Which finding it came from, for the user. */
  source: string;
}

interface FindingJson {
  id: string;
  verdict: string;
  evidence?: Record<string, unknown>;
}

function candidates(model: { name?: string; findings?: FindingJson[] }, h: number, w: number, file: string): AuditArtifact[] {
  const found: AuditArtifact[] = [];
  for (const f of model.findings ?? []) {
    if (f.verdict !== 'flag' || !f.evidence) continue;
    if (f.id === 'intervention') {
      const patch = f.evidence.patch as { height: number; width: number; pixels: number[] } | undefined;
      if (!patch) continue;
      if (patch.height !== h || patch.width !== w) throw new UsageError(`${file}: the intervention patch is ${patch.height}×${patch.width} but the model takes ${h}×${w} images; audit this model, or give --artifact-mask`);
      const mask = new Float32Array(h * w);
      for (const p of patch.pixels) mask[p] = 1;
      found.push({ mask, value: Number(f.evidence.value), class: Number(f.evidence.targetClass), source: `the intervention finding's patch (${patch.pixels.length} pixels, intensity ${f.evidence.value})` });
    }
    if (f.id === 'shortcut') {
      for (const c of (f.evidence.perClass as { verdict: string; artifact?: ArtifactWindow }[] | undefined) ?? []) {
        const a = c.artifact;
        if (c.verdict !== 'flag' || !a) continue;
        if (a.y + a.height > h || a.x + a.width > w) throw new UsageError(`${file}: the shortcut window of class ${a.class} lies outside the model's ${h}×${w} images; audit this model, or give --artifact-mask`);
        found.push({ mask: windowMask(a, h, w), class: a.class, source: `the shortcut finding: class ${a.class}'s hotspot, ${a.height}×${a.width} px at (y ${a.y}, x ${a.x}), at one place in ${Math.round(100 * a.share)}% of its images` });
      }
    }
  }
  // The user's named patch is exact; a hotspot window is the check's estimate.
  return found.sort((a, b) => Number(b.value !== undefined) - Number(a.value !== undefined));
}

export async function artifactFromAudit(file: string, h: number, w: number): Promise<AuditArtifact> {
  let json: { tool?: string; models?: { name?: string; findings?: FindingJson[] }[] };
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--from-audit ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message})`}; give the audit.json a 'trustscope audit' wrote`);
  }
  if (json.tool !== 'trustscope audit' || !Array.isArray(json.models)) throw new UsageError(`--from-audit ${file} is not an audit.json written by 'trustscope audit'`);
  const flagged = json.models.map((m) => ({ name: m.name ?? 'model', found: candidates(m, h, w, file) })).filter((m) => m.found.length > 0);
  if (flagged.length === 0) throw new UsageError(`--from-audit ${file} flags no shortcut or intervention finding (or the audit predates the recorded windows): there is no artifact to take; mark it with --artifact-mask`);
  if (flagged.length > 1) throw new UsageError(`--from-audit ${file} flags several models (${flagged.map((m) => m.name).join(', ')}); audit the model you remedy on its own, or give --artifact-mask`);
  return flagged[0].found[0];
}

/** Mean intensity of the class's images inside the mask: the value the artifact paints when the finding does not record one. */
export function meanInside(images: { shape: readonly number[]; data: Float32Array }, labels: readonly number[], cls: number, mask: Float32Array): number {
  const [n, c, h, w] = images.shape;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== cls) continue;
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * h * w;
      for (let p = 0; p < h * w; p++) if (mask[p] > 0.5) (sum += images.data[base + p]), count++;
    }
  }
  if (count === 0) throw new UsageError(`no audited image has label ${cls}, so the artifact's intensity cannot be measured; give --artifact-value`);
  return sum / count;
}
