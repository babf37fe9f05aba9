import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ChildServer } from './child-server';
import { freePort } from './redis-server';

/** s3rver's own key pair: it checks the key id (an unknown one is 403 InvalidAccessKeyId). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/** Started in a child process, so that a test can stop it and bring it back on the same port. */
const MAIN = `
const S3rver = require('s3rver');
const [address, port, directory, bucket, launch] = process.argv.slice(1);
new S3rver({ address, port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket }] })
  .run()
  .then(({ port }) => console.log('s3rver listening on ' + port + ' (launch ' + launch + ')'));
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * A real S3 REST server (s3rver, on disk, in JavaScript) on a free port of `address` (127.0.0.1 unless
 * given), with one bucket created, in its own temp directory. The tests reach it through
 * @aws-sdk/client-s3 and the AWS SDK's own variables only (`env`).
 */
export class S3Server extends ChildServer {
  private client?: S3Client;
  private launches = 0;

  private constructor(
    readonly address: string,
    readonly port: number,
    dir: string,
    readonly bucket: string,
  ) {
    super('s3rver', dir, 5_000);
  }

  static async start(options: { address?: string; bucket?: string } = {}): Promise<S3Server> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-s3-'));
    const address = options.address ?? '127.0.0.1';
    const server = new S3Server(address, await freePort(), dir, options.bucket ?? 'results');
    try {
      await server.launch();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  get endpoint(): string {
    return `http://${this.address}:${this.port}`;
  }

  /** What a service needs to write results there: RESULTS_URL, the endpoint and the credentials. */
  env(prefix: string): Record<string, string> {
    return {
      RESULTS_URL: `s3://${this.bucket}/${prefix}`,
      AWS_ENDPOINT_URL: this.endpoint,
      ...S3RVER_CREDENTIALS,
    };
  }

  /** The client the tests read the store with, configured from the same variables as the services. */
  get s3(): S3Client {
    this.client ??= new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return this.client;
  }

  /** Every key under `prefix/` with its size, sorted. */
  async objects(prefix: string): Promise<{ key: string; size: number }[]> {
    const found: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? [])
        found.push({ key: o.Key!.slice(prefix.length + 1), size: o.Size! });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** Copies every object under `prefix/` into `dir` (as a sweep directory), for DuckDB to read. */
  async download(prefix: string, dir: string): Promise<string[]> {
    const objects = await this.objects(prefix);
    for (const { key } of objects) {
      await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
      await writeFile(path.join(dir, key), await this.get(`${prefix}/${key}`));
    }
    return objects.map((o) => o.key);
  }

  /**
   * Multipart uploads under way, as s3rver keeps them on disk: an upload's directory holds its key
   * and its parts, each part's `.md5` written once the part is whole. The part bytes received so far.
   */
  async uploadsInProgress(): Promise<{ key: string; bytes: number }[]> {
    const found: { key: string; bytes: number }[] = [];
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || entry.name !== 'key') continue;
      const uploadDir = entry.parentPath;
      const files = await readdir(uploadDir).catch(() => [] as string[]);
      for (const part of files.filter((f) => /^\d+$/.test(f) && !files.includes(`${f}.md5`))) {
        const [key, size] = await Promise.all([
          readFile(path.join(uploadDir, 'key'), 'utf8').catch(() => ''),
          stat(path.join(uploadDir, part)).then(
            (s) => s.size,
            () => 0,
          ),
        ]);
        found.push({ key, bytes: size });
      }
    }
    return found;
  }

  async get(key: string): Promise<Buffer> {
    const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  }

  async createBucket(name: string): Promise<void> {
    await this.s3.send(new CreateBucketCommand({ Bucket: name }));
  }

  override async close(): Promise<void> {
    this.client?.destroy();
    await super.close();
  }

  protected async launch(): Promise<void> {
    const child = spawn(
      process.execPath,
      ['-e', MAIN, this.address, String(this.port), this.dir, this.bucket, String(++this.launches)],
      { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // the output holds earlier launches' lines too: wait for this one's
    await this.adopt(child, new RegExp(`s3rver listening on \\d+ \\(launch ${this.launches}\\)`), 10_000);
  }
}
