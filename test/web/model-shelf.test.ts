import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeNpy } from '../../src/data/formats/npy.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { tensor } from '../../src/tensor/tensor.js';
import { ModelShelf } from '../../src/web/model-shelf.js';
import { countModelRows } from '../../src/web/row-counter.js';
import { OnnxModel } from '../../src/models/model.js';
import { linearModel, uniformValues } from '../helpers/models.js';

const chw = [1, 4, 4];
const file = (seed: number) => ({ name: 'linear.onnx', bytes: encodeModel(linearModel(chw, uniformValues(3 * 16, seed), [0, 0, 0])) });
const images = { name: 'x.npy', bytes: encodeNpy(tensor([2, 1, 4, 4], uniformValues(32, 8, 0, 1))) };

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('ModelShelf', () => {
  it('hands the same model (and its sessions) to the next request for the same bytes, options and image size', async () => {
    const shelf = new ModelShelf();
    const a = await shelf.lease(file(1), images, { internalBatchSize: 16 });
    expect(a.reused).toBe(false);
    const x = tensor([2, 1, 4, 4], uniformValues(32, 8, 0, 1));
    const before = await a.model.forward(x);
    await a.release();
    const b = await shelf.lease({ ...file(1) }, images, { internalBatchSize: 16 });
    expect(b.reused).toBe(true);
    expect(b.model).toBe(a.model);
    expect(Array.from((await b.model.forward(x)).data)).toEqual(Array.from(before.data));
    // Other options or other bytes: another model.
    const c = await shelf.lease(file(1), images, { internalBatchSize: 8 });
    expect(c.reused).toBe(false);
    const d = await shelf.lease(file(2), images, { internalBatchSize: 8 });
    expect(d.reused).toBe(false);
    await Promise.all([b.release(), c.release(), d.release()]);
    await shelf.clear();
  });

  it('disposes a replaced model once its last request ends, never under a running one', async () => {
    const shelf = new ModelShelf();
    const dispose = vi.spyOn(OnnxModel.prototype, 'dispose');
    const running = await shelf.lease(file(1), images);
    const other = await shelf.lease(file(2), images);
    // The first model is replaced but still in use: not disposed yet.
    expect(dispose.mock.contexts).not.toContain(running.model);
    await running.release();
    expect(dispose.mock.contexts).toContain(running.model);
    await other.release();
    // The kept model survives its request; clear() frees it.
    expect(dispose.mock.contexts).not.toContain(other.model);
    await shelf.clear();
    expect(dispose.mock.contexts).toContain(other.model);
  });

  it('keeps nothing without WebCrypto: every request loads and disposes its own model', async () => {
    vi.stubGlobal('crypto', undefined);
    const shelf = new ModelShelf();
    const dispose = vi.spyOn(OnnxModel.prototype, 'dispose');
    const a = await shelf.lease(file(1), images);
    await a.release();
    expect(dispose.mock.contexts).toContain(a.model);
    const b = await shelf.lease(file(1), images);
    expect(b.reused).toBe(false);
    expect(b.model).not.toBe(a.model);
    await b.release();
  });
});

describe('countModelRows on a kept model', () => {
  it('stop() unwraps the model, so the next request counts from zero with one wrapper', async () => {
    const model = new OnnxModel(linearModel(chw, uniformValues(3 * 16, 1), [0, 0, 0]));
    const x = tensor([2, 1, 4, 4], uniformValues(32, 8, 0, 1));
    const first = countModelRows(model, () => undefined, 0);
    await model.forward(x);
    first.stop();
    expect(Object.prototype.hasOwnProperty.call(model, 'forward')).toBe(false);
    const second = countModelRows(model, () => undefined, 0);
    await model.forward(x);
    expect(first()).toBe(2);
    expect(second()).toBe(2);
    second.stop();
    await model.dispose();
  });
});
