import type { MatrixKind } from '../spec/vocabulary';
import { findEmbeddingTensorName } from './embedding-tensor';
import { locateEmbeddingFile } from './model-files';
import { matrixMemory, readSafetensorsHeader, readTensorBytes, TensorInfo, toFloat32 } from './safetensors';
import { readHashed, TensorDigests } from './tensor-digests';

/** A model's token-embedding matrix as float32, row-major [rows × dim], with the sha256 of its stored bytes. */
export interface EmbeddingMatrix {
  tensorName: string;
  dtype: string;
  rows: number;
  dim: number;
  data: Float32Array;
  sha256: string;
  /** Which matrix the sweep asked for (input when not said), and whether the model ties input and output. */
  kind?: MatrixKind;
  tied?: boolean;
}

/** Finds the token-embedding tensor of a model directory from safetensors headers alone (no tensor data read). */
export async function findEmbeddingTensor(
  dir: string,
): Promise<{ file: string; tensorName: string; tensor: TensorInfo }> {
  const { file, tensorName: indexed } = locateEmbeddingFile(dir);
  const header = await readSafetensorsHeader(file);
  const tensorName = indexed ?? findEmbeddingTensorName(header.keys());
  const tensor = tensorName ? header.get(tensorName) : undefined;
  if (!tensorName || !tensor) {
    const names = [...header.keys()].slice(0, 8).join(', ');
    throw new Error(
      `${file} holds no token-embedding tensor (found ${names || 'no tensors'}); expected e.g. wte.weight or model.embed_tokens.weight`,
    );
  }
  if (tensor.shape.length !== 2) {
    throw new Error(`${tensorName} in ${file} has shape [${tensor.shape}]; a token-embedding matrix is 2-D`);
  }
  return { file, tensorName, tensor };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Loads a model directory's matrix of `kind`; the pool's threads plug in one that shares a single copy. */
export type EmbeddingLoader = (dir: string, kind: MatrixKind) => Promise<EmbeddingMatrix>;

/**
 * How a matrix is read: `shared`, into a SharedArrayBuffer that worker threads can pass around
 * without copying; `digests`, where the sha256 of a file read before is remembered (see TensorDigests);
 * `onReading`, told once the bytes are being read on libuv's threads (see readTensorBytes).
 */
export interface MatrixReadOptions {
  shared?: boolean;
  digests?: TensorDigests | null;
  onReading?: () => void;
}

/** Reads only the token-embedding tensor of a model directory (single or sharded safetensors). */
export async function loadEmbeddingMatrix(
  dir: string,
  options: MatrixReadOptions = {},
): Promise<EmbeddingMatrix> {
  return readMatrixTensor(await findEmbeddingTensor(dir), options);
}

/** Reads one 2-D tensor found in a safetensors file as float32, with the sha256 of its bytes. */
export async function readMatrixTensor(
  { file, tensorName, tensor }: { file: string; tensorName: string; tensor: TensorInfo },
  { shared = false, digests = null, onReading }: MatrixReadOptions = {},
): Promise<EmbeddingMatrix> {
  const [rows, dim] = tensor.shape;
  const hashedRead = <T extends Uint8Array>(into?: T) =>
    readHashed(file, tensor.begin, tensor.end, digests, (onBlock) =>
      readTensorBytes<T>(file, tensor, { into, onBlock, onReading }),
    );
  let data: Float32Array;
  let sha256: string;
  if (tensor.dtype === 'F32' && LITTLE_ENDIAN && tensor.end - tensor.begin === rows * dim * 4) {
    // float32 as stored: read straight into the matrix, no second copy of a few hundred MB
    data = matrixMemory(rows * dim, shared);
    ({ sha256 } = await hashedRead(new Uint8Array(data.buffer)));
  } else {
    const read = await hashedRead<Buffer>();
    data = toFloat32(read.bytes, tensor.dtype, shared);
    sha256 = read.sha256;
  }
  if (data.length !== rows * dim) {
    throw new Error(
      `${tensorName} in ${file} holds ${data.length} values, not ${rows}×${dim}; the file is damaged`,
    );
  }
  return { tensorName, dtype: tensor.dtype, rows, dim, data, sha256 };
}
