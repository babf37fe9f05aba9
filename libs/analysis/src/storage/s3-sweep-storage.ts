import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { checkRelativePath } from './relative-path';
import { isMissing, notSupported, s3Client, s3Failure } from './s3-client';
import { S3Connection, StoredObject, SweepStorage } from './sweep-storage';

/** Parts of a multipart upload: S3's least part size is 5 MiB (the last may be smaller). */
const PART_BYTES = 8 * 1024 * 1024;
const DELETE_BATCH = 1000;

/**
 * The S3 adapter: a sweep is the objects under `prefix/`. Every object is written as a multipart
 * upload, even a small one (a single PUT cut off midway is kept truncated by some stores): it
 * appears at its key only when completed, whole, and an upload cut off stays incomplete and
 * invisible. A failed upload is aborted; leftovers of killed writers are aborted when the sweep
 * completes, where the store lists them (the bucket's AbortIncompleteMultipartUpload rule does
 * the rest). Ranges are read with absolute bounds, which every store serves.
 */
export class S3SweepStorage implements SweepStorage {
  readonly location: string;
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly connection: S3Connection,
    private readonly warn: (message: string) => void = (message) => console.warn(message),
  ) {
    if (!prefix) throw new Error(`a sweep needs a prefix of its own in bucket ${bucket}`);
    this.location = `s3://${bucket}/${prefix}`;
    this.client = s3Client(connection);
  }

  async write(relative: string, bytes: Uint8Array | string): Promise<number> {
    const key = this.key(relative);
    const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const doing = `write ${this.location}/${relative}`;
    const { UploadId } = await this.attempt(doing, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key })),
    );
    try {
      const parts = [];
      for (let start = 0, number = 1; start < body.length || number === 1; start += PART_BYTES, number++) {
        const { ETag } = await this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId,
            PartNumber: number,
            Body: body.subarray(start, start + PART_BYTES),
          }),
        );
        parts.push({ ETag, PartNumber: number });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.abort(key, UploadId!);
      throw s3Failure(error, doing, this.bucket, this.connection);
    }
    return body.length;
  }

  async read(relative: string): Promise<Uint8Array | null> {
    const doing = `read ${this.location}/${relative}`;
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(relative) }),
      );
      return await answer.Body!.transformToByteArray();
    } catch (error) {
      if (isMissing(error)) return null;
      throw s3Failure(error, doing, this.bucket, this.connection);
    }
  }

  async size(relative: string): Promise<number | null> {
    const doing = `read ${this.location}/${relative}`;
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(relative) }),
      );
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return null;
      throw s3Failure(error, doing, this.bucket, this.connection);
    }
  }

  async readRange(relative: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array(0);
    const answer = await this.attempt(`read ${this.location}/${relative}`, () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.key(relative),
          Range: `bytes=${start}-${end - 1}`,
        }),
      ),
    );
    const bytes = await answer.Body!.transformToByteArray();
    if (bytes.length !== end - start)
      throw new Error(`${this.location}/${relative}: asked for bytes ${start}..${end}, got ${bytes.length}`);
    return bytes;
  }

  async list(): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.attempt(`list ${this.location}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: `${this.prefix}/`,
            ContinuationToken: token,
          }),
        ),
      );
      for (const object of page.Contents ?? [])
        objects.push({ path: object.Key!.slice(this.prefix.length + 1), bytes: object.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async removeLeftovers(): Promise<number> {
    let uploads;
    try {
      const answer = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: `${this.prefix}/` }),
      );
      uploads = answer.Uploads ?? [];
    } catch (error) {
      if (!notSupported(error))
        throw s3Failure(
          error,
          `list the incomplete uploads of ${this.location}`,
          this.bucket,
          this.connection,
        );
      this.warn(
        `${this.location}: the store does not list incomplete multipart uploads (${describeRefusal(error)}); nothing to abort`,
      );
      return 0;
    }
    for (const upload of uploads) await this.abort(upload.Key!, upload.UploadId!);
    return uploads.length;
  }

  async removeAll(): Promise<void> {
    const keys = (await this.list()).map((object) => this.key(object.path));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const answer = await this.attempt(`delete the objects of ${this.location}`, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.slice(i, i + DELETE_BATCH).map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      if (answer.Errors?.length)
        throw new Error(
          `cannot delete ${answer.Errors.length} object(s) of ${this.location}: ${answer.Errors[0].Key}: ${answer.Errors[0].Message}`,
        );
    }
    await this.removeLeftovers();
  }

  private key(relative: string): string {
    return `${this.prefix}/${checkRelativePath(relative)}`;
  }

  /** Aborts an upload; a store that does not abort (s3rver: 405) or fails to is logged, not fatal. */
  private async abort(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (error) {
      this.warn(
        notSupported(error)
          ? `s3://${this.bucket}/${key}: the store does not abort multipart uploads (${describeRefusal(error)}); nothing to abort`
          : `s3://${this.bucket}/${key}: aborting an incomplete upload failed: ${(error as Error).message}`,
      );
    }
  }

  private async attempt<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw s3Failure(error, doing, this.bucket, this.connection);
    }
  }
}

function describeRefusal(error: unknown): string {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return `${e.$metadata?.httpStatusCode} ${e.name}`;
}

/** Whether the bucket answers HEAD with these credentials: the store reachable, the bucket there, access granted. */
export async function checkBucket(bucket: string, prefix: string, connection: S3Connection): Promise<void> {
  try {
    await s3Client(connection).send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // an answer to HEAD has no body to name the reason: its status says what it can
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404)
      Object.assign(error as object, {
        name: 'NoSuchBucket',
        message: 'The specified bucket does not exist',
      });
    if (status === 403)
      Object.assign(error as object, {
        name: 'AccessDenied',
        message: 'the store refused these credentials for this bucket',
      });
    throw s3Failure(error, `reach s3://${bucket}${prefix ? `/${prefix}` : ''}`, bucket, connection);
  }
}
