import { InferenceSession, Tensor } from 'onnxruntime-node';

// A one-node ONNX graph `c = MatMul(a, b)` over float64 tensors (elem_type 11): the graph
// @huggingface/transformers builds for its `matmul` op, in double precision.
const MATMUL_F64 = new Uint8Array([
  8, 9, 18, 0, 58, 55, 10, 17, 10, 1, 97, 10, 1, 98, 18, 1, 99, 34, 6, 77, 97, 116, 77, 117, 108, 18, 1, 114, 90, 9, 10, 1, 97, 18, 4, 10,
  2, 8, 11, 90, 9, 10, 1, 98, 18, 4, 10, 2, 8, 11, 98, 9, 10, 1, 99, 18, 4, 10, 2, 8, 11, 66, 2, 16, 20,
]);

let session: Promise<InferenceSession> | undefined;

/**
 * `a · bᵀ` for row-major a [rows × dim] and b [cols × dim], through ONNX Runtime's MatMul (the
 * onnxruntime-node that @huggingface/transformers ships): tens of GFLOP/s on two cores where a JS
 * loop gets one or two. Double precision, so that a cosine does not depend on the tile it was
 * computed in (float32 GEMM kernels sum in an order that depends on the matrix shape).
 */
export async function multiplyTransposed(a: Float64Array, rows: number, b: Float64Array, cols: number, dim: number): Promise<Float64Array> {
  if (rows === 0 || cols === 0) return new Float64Array(0);
  session ??= InferenceSession.create(MATMUL_F64);
  const bt = new Float64Array(dim * cols);
  for (let c = 0; c < cols; c++) for (let d = 0; d < dim; d++) bt[d * cols + c] = b[c * dim + d];
  const { c } = await (await session).run({ a: new Tensor('float64', a, [rows, dim]), b: new Tensor('float64', bt, [dim, cols]) });
  return c.data as Float64Array;
}
