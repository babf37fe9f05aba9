import { loadTransformers } from './transformers-runtime';

/**
 * `a · bᵀ` for row-major a [rows × dim] and b [cols × dim], through ONNX Runtime's matmul (the one
 * bundled with @huggingface/transformers): tens of GFLOP/s on two cores where a JS loop gets one or two.
 */
export async function multiplyTransposed(a: Float32Array, rows: number, b: Float32Array, cols: number, dim: number): Promise<Float32Array> {
  if (rows === 0 || cols === 0) return new Float32Array(0);
  const { matmul, Tensor } = await loadTransformers();
  const bt = new Float32Array(dim * cols);
  for (let c = 0; c < cols; c++) for (let d = 0; d < dim; d++) bt[d * cols + c] = b[c * dim + d];
  const product = await matmul(new Tensor('float32', a, [rows, dim]), new Tensor('float32', bt, [dim, cols]));
  return product.data as Float32Array;
}
