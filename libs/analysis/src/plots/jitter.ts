/**
 * Vertical jitter for dots that share a token count, as the notebook's `np.random.normal(0, .03)`,
 * but seeded: the same sweep gives the same figure, byte for byte.
 */
export function jitterSource(seed = 20240601, sd = 0.03): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
