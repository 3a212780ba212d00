import { describe, expect, it } from 'vitest';
import { createSession, spinningFor, SPINNING_DEFAULT } from '../../src/onnx/runtime.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

async function logits(spinning: boolean | undefined): Promise<Float32Array> {
  const session = await createSession(tinyCnn({ seed: 4 }), { threads: 2, spinning });
  const r = new Random(9);
  const x = tensor([8, 1, 32, 32], Float32Array.from({ length: 8 * 1024 }, () => r.next()));
  try {
    const out = await session.run({ [session.inputNames[0]]: x });
    return out[session.outputNames[0]].data;
  } finally {
    await session.release();
  }
}

describe('ORT intra-op spinning', () => {
  it('is a scheduling choice only: the same logits with and without it', async () => {
    const on = await logits(true);
    const off = await logits(false);
    expect(off.length).toBe(8 * 2);
    expect(Array.from(off)).toEqual(Array.from(on));
  });

  it('takes TRUSTSCOPE_ORT_SPINNING over the option, then the option, then the default', () => {
    expect(spinningFor({ spinning: true }, { TRUSTSCOPE_ORT_SPINNING: '0' })).toBe(false);
    expect(spinningFor({ spinning: false }, { TRUSTSCOPE_ORT_SPINNING: '1' })).toBe(true);
    expect(spinningFor({ spinning: false }, { TRUSTSCOPE_ORT_SPINNING: 'maybe' })).toBe(false);
    expect(spinningFor({}, {})).toBe(SPINNING_DEFAULT);
  });
});
