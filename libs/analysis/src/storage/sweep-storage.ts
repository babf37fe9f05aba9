/**
 * The results-storage port: where a sweep's objects go (a directory, or a prefix of an S3 bucket).
 * Everything that reads or writes results goes through it, so no other code knows which store it is.
 * Paths are relative to the sweep's directory or prefix, with `/` separators.
 */
export interface SweepStorage {
  /** Where it is, for messages: a directory, or `s3://bucket/prefix`. */
  readonly location: string;
  /** Writes `bytes` at `relative` so that it appears only whole (replacing any earlier copy); its size. */
  write(relative: string, bytes: Uint8Array | string): Promise<number>;
  /** The whole object, or null when there is none. */
  read(relative: string): Promise<Uint8Array | null>;
  /** The object's size in bytes, or null when there is none. */
  size(relative: string): Promise<number | null>;
  /** Bytes `start` (included) to `end` (excluded) of the object. */
  readRange(relative: string, start: number, end: number): Promise<Uint8Array>;
  /** Every complete object, sorted by path. */
  list(): Promise<StoredObject[]>;
  /** Removes what interrupted writes left behind (temporary files, incomplete uploads); how many. */
  removeLeftovers(): Promise<number>;
  /** Removes every object of the sweep. */
  removeAll(): Promise<void>;
}

export interface StoredObject {
  path: string;
  bytes: number;
}

/** How to reach an S3-compatible store, as the AWS SDK's own variables say (credentials: its default chain). */
export interface S3Connection {
  /** AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: a store other than AWS's own (MinIO, Ceph, R2, …). */
  endpoint?: string;
  /** AWS_REGION; us-east-1 when an endpoint is set and no region is; else the SDK's chain finds it. */
  region?: string;
}

/** Where results live, as plain data (it crosses to chunk threads): a directory or a bucket prefix. */
export type StorageTarget =
  { kind: 'file'; dir: string } | { kind: 's3'; bucket: string; prefix: string; connection: S3Connection };

/**
 * The store refused us for a reason retrying cannot fix (wrong credentials, no such bucket, access
 * denied): the message names the store and what to check.
 */
export class StorageAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageAccessError';
  }
}

/** `s3://bucket/prefix` or the directory, for messages. */
export function describeTarget(target: StorageTarget): string {
  return target.kind === 'file'
    ? target.dir
    : `s3://${target.bucket}${target.prefix ? `/${target.prefix}` : ''}`;
}

/** The target of `id` below `root`: a subdirectory, or a longer prefix. */
export function childTarget(root: StorageTarget, id: string): StorageTarget {
  if (root.kind === 'file') return { kind: 'file', dir: `${root.dir.replace(/\/+$/, '')}/${id}` };
  return { ...root, prefix: root.prefix ? `${root.prefix}/${id}` : id };
}
