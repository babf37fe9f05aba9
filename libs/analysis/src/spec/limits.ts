/** Bounds on what one sweep may ask; each names the environment variable that raises it. */
export interface SweepLimits {
  maxSweepNumbers: number;
  maxMatrixNumbers: number;
  maxFourierNumbers: number;
}

export const DEFAULT_LIMITS: SweepLimits = {
  maxSweepNumbers: 10_000_000,
  maxMatrixNumbers: 8_192,
  maxFourierNumbers: 65_536,
};

export const LIMIT_VARIABLES: Record<keyof SweepLimits, string> = {
  maxSweepNumbers: 'MAX_SWEEP_NUMBERS',
  maxMatrixNumbers: 'MAX_MATRIX_NUMBERS',
  maxFourierNumbers: 'MAX_FOURIER_NUMBERS',
};
