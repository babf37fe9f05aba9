import type { S3SweepStorage } from './s3-sweep-storage';
import { S3Connection, StoredObject, SweepStorage } from './sweep-storage';

type S3Module = typeof import('./s3-sweep-storage');

let s3Module: Promise<S3Module> | undefined;

/**
 * The S3 adapter's module, loaded on first use: the AWS SDK takes about 0.1 s to load, which every
 * process and every chunk thread would otherwise pay, S3 or not.
 */
export function loadS3Module(): Promise<S3Module> {
  return (s3Module ??= import('./s3-sweep-storage.js'));
}

/** Whether the bucket answers with these credentials (the adapter's check, loaded on first use). */
export async function checkBucketLazily(
  bucket: string,
  prefix: string,
  connection: S3Connection,
): Promise<void> {
  return (await loadS3Module()).checkBucket(bucket, prefix, connection);
}

/** The S3 adapter behind the port, created once its module has loaded; each call waits for it. */
export class LazyS3SweepStorage implements SweepStorage {
  readonly location: string;
  private adapter: Promise<S3SweepStorage> | undefined;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly connection: S3Connection,
    private readonly warn?: (message: string) => void,
  ) {
    if (!prefix) throw new Error(`a sweep needs a prefix of its own in bucket ${bucket}`);
    this.location = `s3://${bucket}/${prefix}`;
  }

  async write(relative: string, bytes: Uint8Array | string): Promise<number> {
    return (await this.s3()).write(relative, bytes);
  }

  async read(relative: string): Promise<Uint8Array | null> {
    return (await this.s3()).read(relative);
  }

  async size(relative: string): Promise<number | null> {
    return (await this.s3()).size(relative);
  }

  async readRange(relative: string, start: number, end: number): Promise<Uint8Array> {
    return (await this.s3()).readRange(relative, start, end);
  }

  async list(): Promise<StoredObject[]> {
    return (await this.s3()).list();
  }

  async removeLeftovers(): Promise<number> {
    return (await this.s3()).removeLeftovers();
  }

  async removeAll(): Promise<void> {
    return (await this.s3()).removeAll();
  }

  private s3(): Promise<S3SweepStorage> {
    return (this.adapter ??= loadS3Module().then(
      ({ S3SweepStorage }) => new S3SweepStorage(this.bucket, this.prefix, this.connection, this.warn),
    ));
  }
}
