import { S3Client } from '@aws-sdk/client-s3';
import { S3Connection, StorageAccessError } from './sweep-storage';

const clients = new Map<string, S3Client>();

/**
 * One S3 client per connection and process. With an endpoint (MinIO, Ceph RGW, R2, s3rver, …):
 * path-style addressing, us-east-1 unless AWS_REGION says otherwise, and checksums only where an
 * operation requires them, as the SDK documents for stores that lack its newer default checksums.
 * Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, …).
 */
export function s3Client(connection: S3Connection): S3Client {
  const key = JSON.stringify([connection.endpoint ?? null, connection.region ?? null]);
  let client = clients.get(key);
  if (!client) {
    client = new S3Client(
      connection.endpoint
        ? {
            endpoint: connection.endpoint,
            region: connection.region ?? 'us-east-1',
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : { region: connection.region },
    );
    clients.set(key, client);
  }
  return client;
}

/** What an SDK error tells about the object store, as our own message. */
interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Refusals that retrying cannot fix: the credentials, the bucket or the permissions are wrong. */
const ACCESS_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AllAccessDisabled',
  'ExpiredToken',
  'InvalidToken',
  'NoSuchBucket',
  'InvalidBucketName',
  'CredentialsProviderError',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
]);

/**
 * The error to throw for a failed S3 operation: a StorageAccessError (retrying will not help; it says
 * what to check) or an Error (the store is unreachable or failing: worth another attempt).
 */
export function s3Failure(error: unknown, doing: string, bucket: string, connection: S3Connection): Error {
  const e = error as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const code = e.name ?? e.code ?? 'Error';
  const store = connection.endpoint ? `the S3 store at ${connection.endpoint}` : 'AWS S3';
  const what = `${code}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
  if (ACCESS_ERRORS.has(code) || status === 403 || /region is missing/i.test(e.message ?? '')) {
    return new StorageAccessError(
      `cannot ${doing}: ${what}. Check that bucket "${bucket}" exists on ${store} and that the credentials ` +
        `the AWS SDK finds (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile) may write to it` +
        (connection.endpoint ? '' : '; AWS_REGION names its region'),
    );
  }
  const network = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|socket hang up/.exec(
    `${e.code ?? ''} ${e.message ?? ''}`,
  );
  if (network) return new Error(`cannot ${doing}: ${store} is unreachable (${network[0]})`);
  return new Error(`cannot ${doing}: ${store} answered ${what}`);
}

/** Whether the store answered that it does not do this (s3rver: 501 for ListMultipartUploads, 405 for aborts). */
export function notSupported(error: unknown): boolean {
  const status = (error as SdkError).$metadata?.httpStatusCode;
  return status === 501 || status === 405;
}

/** Whether the object is not there. */
export function isMissing(error: unknown): boolean {
  // not any 404: NoSuchBucket is one too, and it is no missing object but a misconfiguration
  const name = (error as SdkError).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}
