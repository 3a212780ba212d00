/**
 * Where a shortcut's artifact sits, from the hotspot windows the shortcut check chose (one per
 * image): the most common position, grown to cover the windows within ±1 px of it (the same
 * neighbourhood as the check's "fixed place" share). Kept in the finding's evidence so that
 * `trustscope remedy --from-audit` can mask the artifact without the user drawing it.
 */
import type { Window } from '../trust/hotspot-windows.js';

export interface ArtifactWindow {
  /** Top-left corner and extent (px) of the box covering the windows at the common place. */
  y: number;
  x: number;
  height: number;
  width: number;
  /** Side of the hotspot windows. */
  size: number;
  /** The class whose images carry it. */
  class: number;
  /** Share of the class's windows at that place (±1 px). */
  share: number;
}

export function commonWindow(windows: readonly Window[], size: number, cls: number): ArtifactWindow | undefined {
  if (windows.length === 0) return undefined;
  let best: Window[] = [];
  for (const a of windows) {
    const near = windows.filter((b) => Math.abs(a.y - b.y) <= 1 && Math.abs(a.x - b.x) <= 1);
    if (near.length > best.length) best = near;
  }
  const y = Math.min(...best.map((w) => w.y));
  const x = Math.min(...best.map((w) => w.x));
  return {
    y,
    x,
    height: Math.max(...best.map((w) => w.y)) - y + size,
    width: Math.max(...best.map((w) => w.x)) - x + size,
    size,
    class: cls,
    share: best.length / windows.length,
  };
}

/** The window as an (H, W) mask, 1 inside. */
export function windowMask(a: Pick<ArtifactWindow, 'y' | 'x' | 'height' | 'width'>, h: number, w: number): Float32Array {
  const mask = new Float32Array(h * w);
  for (let y = Math.max(0, a.y); y < Math.min(h, a.y + a.height); y++) for (let x = Math.max(0, a.x); x < Math.min(w, a.x + a.width); x++) mask[y * w + x] = 1;
  return mask;
}
