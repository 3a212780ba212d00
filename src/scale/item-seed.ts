/**
 * The seed of one item of a dataset-wide run. Work split across threads or machines must give the
 * same numbers however it is split, so every random stream belongs to an item (an image, a tile),
 * never to a worker or a job: item `id` of a run seeded `seed` always draws from
 * `Random.forKey(seed, 'item <id>')`, whichever worker explains it and whatever else that worker does.
 */
import { Random } from '../tensor/random.js';

export function itemSeed(seed: number, id: number): number {
  return Random.forKey(seed, `item ${id}`).seed();
}
