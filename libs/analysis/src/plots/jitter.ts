import { seededGaussian } from '../compute/seeded-random';

/**
 * Vertical jitter for dots that share a token count, as the notebook's `np.random.normal(0, .03)`,
 * but seeded: the same sweep gives the same figure, byte for byte.
 */
export function jitterSource(seed = 20240601, sd = 0.03): () => number {
  const gaussian = seededGaussian(seed);
  return () => sd * gaussian();
}
