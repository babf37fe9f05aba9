/** Bounds on what one sweep may ask; each names the environment variable that raises it. */
export interface SweepLimits {
  maxSweepNumbers: number;
  maxMatrixNumbers: number;
  maxFourierNumbers: number;
  maxPcaNumbers: number;
  maxNeighborNumbers: number;
  /** Chunk jobs of one sweep: each is a job in Redis and a part on disk, so a chunk size of 1 over millions of numbers must not pass. */
  maxSweepChunks: number;
}

export const DEFAULT_LIMITS: SweepLimits = {
  maxSweepNumbers: 10_000_000,
  maxMatrixNumbers: 8_192,
  maxFourierNumbers: 65_536,
  maxPcaNumbers: 65_536,
  maxNeighborNumbers: 100_000,
  // the default chunk and tile sizes stay under it for any spec within the other limits: the most
  // is 16 models × 3 formats × 10,000,000 numbers in chunks of 25,000, 19,200 chunks
  maxSweepChunks: 25_000,
};

export const LIMIT_VARIABLES: Record<keyof SweepLimits, string> = {
  maxSweepNumbers: 'MAX_SWEEP_NUMBERS',
  maxMatrixNumbers: 'MAX_MATRIX_NUMBERS',
  maxFourierNumbers: 'MAX_FOURIER_NUMBERS',
  maxPcaNumbers: 'MAX_PCA_NUMBERS',
  maxNeighborNumbers: 'MAX_NEIGHBOR_NUMBERS',
  maxSweepChunks: 'MAX_SWEEP_CHUNKS',
};
