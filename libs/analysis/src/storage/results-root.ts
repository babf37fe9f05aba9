import { access, constants, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG } from '../config/config-variables';
import { EnvReader } from '../config/env-reader';
import { FileSweepStorage } from './file-sweep-storage';
import { checkBucketLazily, LazyS3SweepStorage } from './lazy-s3-storage';
import { childTarget, describeTarget, S3Connection, StorageTarget, SweepStorage } from './sweep-storage';

/** The storage of one sweep at `target`: the filesystem or the S3 adapter. */
export function openSweepStorage(target: StorageTarget, warn?: (message: string) => void): SweepStorage {
  return target.kind === 'file'
    ? new FileSweepStorage(target.dir)
    : new LazyS3SweepStorage(target.bucket, target.prefix, target.connection, warn);
}

/** Where the sweeps of the API and the workers live: `<root>/<sweep id>/`, as a directory or a prefix. */
export class ResultsRoot {
  constructor(
    readonly target: StorageTarget,
    private readonly warn?: (message: string) => void,
  ) {}

  /** The root for messages: the directory, or `s3://bucket/prefix`. */
  get location(): string {
    return describeTarget(this.target);
  }

  sweepTarget(id: string): StorageTarget {
    return childTarget(this.target, id);
  }

  sweep(id: string): SweepStorage {
    return openSweepStorage(this.sweepTarget(id), this.warn);
  }

  /** Throws, naming the store and what to check, unless results can be written there. */
  async check(): Promise<void> {
    const target = this.target;
    if (target.kind === 's3') return checkBucketLazily(target.bucket, target.prefix, target.connection);
    try {
      await mkdir(target.dir, { recursive: true });
      await access(target.dir, constants.W_OK);
    } catch (error) {
      throw new Error(`${target.dir} is not writable: ${(error as Error).message}`);
    }
  }
}

/** The S3 endpoint and region as the AWS SDK's variables give them (credentials: the SDK's own chain). */
export function readS3Connection(reader: EnvReader): S3Connection {
  const endpoint = reader.read(CONFIG.awsEndpointUrlS3) ?? reader.read(CONFIG.awsEndpointUrl);
  return { endpoint, region: reader.read(CONFIG.awsRegion) };
}

/**
 * `file:///dir` or `s3://BUCKET/PREFIX` as a storage target; `what` names the setting in the error
 * (a RESULTS_URL, a --out). The prefix loses its outer slashes; the bucket must be a valid name.
 */
export function parseResultsUrl(raw: string, connection: S3Connection, what: string): StorageTarget {
  if (raw.startsWith('file://')) {
    try {
      return { kind: 'file', dir: path.resolve(fileURLToPath(raw)) };
    } catch (error) {
      throw new Error(`${what}=${raw}: ${(error as Error).message}`);
    }
  }
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(raw);
  if (!match) throw new Error(`${what}=${raw}: expected file:///DIR or s3://BUCKET/PREFIX`);
  const [, bucket, rest = ''] = match;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new Error(`${what}=${raw}: "${bucket}" is not a bucket name (3–63 of a-z, 0-9, '.', '-')`);
  const prefix = rest.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && prefix.split('/').some((segment) => ['', '.', '..'].includes(segment)))
    throw new Error(`${what}=${raw}: the prefix has an empty, '.' or '..' segment`);
  return { kind: 's3', bucket, prefix, connection };
}

/**
 * RESULTS_URL (file:// or s3://) or RESULTS_DIR (default ./results); both set is refused, naming
 * both, since which one wins would be a guess.
 */
export function readResultsTarget(reader: EnvReader): StorageTarget {
  const url = reader.read(CONFIG.resultsUrl);
  const dir = reader.read(CONFIG.resultsDir);
  const connection = readS3Connection(reader);
  if (url !== undefined && reader.isSet(CONFIG.resultsDir))
    reader.problems.push(
      `RESULTS_URL=${url} and RESULTS_DIR=${dir} are both set: set only one (RESULTS_URL=file:///DIR is the same as RESULTS_DIR=DIR)`,
    );
  if (url === undefined) return { kind: 'file', dir };
  try {
    return parseResultsUrl(url, connection, 'RESULTS_URL');
  } catch (error) {
    reader.problems.push((error as Error).message);
    return { kind: 'file', dir };
  }
}
