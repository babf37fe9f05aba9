import { InferenceSession, Tensor } from 'onnxruntime-node';

/**
 * A one-node ONNX model `c = Gemm(a, b, transB = 1)` over float64 tensors, encoded by hand (the
 * protobuf fields of ModelProto, GraphProto, NodeProto, AttributeProto and ValueInfoProto it needs):
 * `transB` lets ONNX Runtime read b row-major as it is, with no transposed copy.
 */
function gemmTransposedModel(): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
    return [...out, n];
  };
  const bytes = (text: string) => [...Buffer.from(text)];
  const field = (number: number, value: number | number[]): number[] =>
    typeof value === 'number' ? [...varint(number << 3), ...varint(value)] : [...varint((number << 3) | 2), ...varint(value.length), ...value];
  const DOUBLE = 11;
  const ATTRIBUTE_INT = 2;
  const tensor = (name: string) => [...field(1, bytes(name)), ...field(2, field(1, field(1, DOUBLE)))];
  const transB = [...field(1, bytes('transB')), ...field(3, 1), ...field(20, ATTRIBUTE_INT)];
  const node = [...field(1, bytes('a')), ...field(1, bytes('b')), ...field(2, bytes('c')), ...field(4, bytes('Gemm')), ...field(5, transB)];
  const graph = [...field(1, node), ...field(2, bytes('cosines')), ...field(11, tensor('a')), ...field(11, tensor('b')), ...field(12, tensor('c'))];
  // ir_version 9, opset 20
  return new Uint8Array([...field(1, 9), ...field(7, graph), ...field(8, field(2, 20))]);
}

let session: Promise<InferenceSession> | undefined;

/**
 * `a · bᵀ` for row-major a [rows × dim] and b [cols × dim], through ONNX Runtime's Gemm (the
 * onnxruntime-node that @huggingface/transformers ships): tens of GFLOP/s on two cores where a JS
 * loop gets one or two. Double precision, so that a cosine does not depend on the tile it was
 * computed in (float32 GEMM kernels sum in an order that depends on the matrix shape).
 */
export async function multiplyTransposed(a: Float64Array, rows: number, b: Float64Array, cols: number, dim: number): Promise<Float64Array> {
  if (rows === 0 || cols === 0) return new Float64Array(0);
  session ??= InferenceSession.create(gemmTransposedModel());
  const { c } = await (await session).run({ a: new Tensor('float64', a, [rows, dim]), b: new Tensor('float64', b, [cols, dim]) });
  return c.data as Float64Array;
}
