/**
 * Discrete Fourier transforms of any length in O(N log N): radix-2 for powers of two, Bluestein's
 * chirp-z for the rest (a length-N DFT as a convolution done with power-of-two FFTs).
 */

/** In-place radix-2 FFT of (re, im); the length must be a power of two. `inverse` leaves out the 1/N. */
export function fftRadix2(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / size;
    const wRe = Math.cos(angle);
    const wIm = Math.sin(angle);
    const half = size >> 1;
    for (let start = 0; start < n; start += size) {
      let uRe = 1;
      let uIm = 0;
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const tRe = re[b] * uRe - im[b] * uIm;
        const tIm = re[b] * uIm + im[b] * uRe;
        re[b] = re[a] - tRe;
        im[b] = im[a] - tIm;
        re[a] += tRe;
        im[a] += tIm;
        const next = uRe * wRe - uIm * wIm;
        uIm = uRe * wIm + uIm * wRe;
        uRe = next;
      }
    }
  }
}

/** A reusable plan for real signals of one length N: `power(x)` returns |X_k|² for k = 0..N-1. */
export class DftPlan {
  private readonly m: number;
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  private readonly kernelRe: Float64Array;
  private readonly kernelIm: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly n: number) {
    this.m = n > 0 && (n & (n - 1)) === 0 ? n : 2 ** Math.ceil(Math.log2(2 * n - 1));
    this.re = new Float64Array(this.m);
    this.im = new Float64Array(this.m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    this.kernelRe = new Float64Array(this.m);
    this.kernelIm = new Float64Array(this.m);
    if (this.m === n) return;
    for (let k = 0; k < n; k++) {
      // k² mod 2N keeps the angle exact for large k
      const angle = (Math.PI * ((k * k) % (2 * n))) / n;
      this.chirpRe[k] = Math.cos(angle);
      this.chirpIm[k] = -Math.sin(angle);
    }
    for (let k = 0; k < n; k++) {
      this.kernelRe[k] = this.chirpRe[k];
      this.kernelIm[k] = -this.chirpIm[k];
      if (k > 0) {
        this.kernelRe[this.m - k] = this.chirpRe[k];
        this.kernelIm[this.m - k] = -this.chirpIm[k];
      }
    }
    fftRadix2(this.kernelRe, this.kernelIm);
  }

  /** Adds |X_k|² of the real signal `x` (length N) into `out[k]`. */
  addPower(x: Float64Array, out: Float64Array): void {
    const { n, m, re, im } = this;
    re.fill(0);
    im.fill(0);
    if (m === n) {
      re.set(x);
      fftRadix2(re, im);
      for (let k = 0; k < n; k++) out[k] += re[k] * re[k] + im[k] * im[k];
      return;
    }
    for (let k = 0; k < n; k++) {
      re[k] = x[k] * this.chirpRe[k];
      im[k] = x[k] * this.chirpIm[k];
    }
    fftRadix2(re, im);
    for (let k = 0; k < m; k++) {
      const a = re[k] * this.kernelRe[k] - im[k] * this.kernelIm[k];
      im[k] = re[k] * this.kernelIm[k] + im[k] * this.kernelRe[k];
      re[k] = a;
    }
    fftRadix2(re, im, true);
    for (let k = 0; k < n; k++) {
      // X_k = chirp_k · conv_k / m; only the magnitude is needed and |chirp_k| = 1
      out[k] += (re[k] * re[k] + im[k] * im[k]) / (m * m);
    }
  }
}
