/**
 * mulberry32: a small, well-spread PRNG that gives the same numbers on every platform for
 * a seed (Math.random cannot be seeded). Generated requests and test data are drawn from
 * it so that a run can be repeated.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
