/** The seeded mutation fuzzer lives with the fuzz harness (bench/fuzz/); tests use the same one. */
export { fuzz, mutate } from '../../bench/fuzz/mutate.js';
