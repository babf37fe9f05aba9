import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvReader } from '../config/env-reader';
import { parseResultsUrl, readResultsTarget, readS3Connection } from './results-root';
import { childTarget } from './sweep-storage';

function read(env: Record<string, string>) {
  const reader = new EnvReader(env);
  return { target: readResultsTarget(reader), problems: reader.problems };
}

describe(readResultsTarget.name, () => {
  it.each([
    [{}, { kind: 'file', dir: path.resolve('./results') }],
    [{ RESULTS_DIR: '/data/r' }, { kind: 'file', dir: '/data/r' }],
    [{ RESULTS_URL: 'file:///data/r' }, { kind: 'file', dir: '/data/r' }],
    [
      { RESULTS_URL: 's3://my-bucket/runs/2026/', AWS_ENDPOINT_URL: 'http://minio:9000' },
      { kind: 's3', bucket: 'my-bucket', prefix: 'runs/2026', connection: { endpoint: 'http://minio:9000' } },
    ],
    [
      {
        RESULTS_URL: 's3://b-1',
        AWS_ENDPOINT_URL_S3: 'http://a:1',
        AWS_ENDPOINT_URL: 'http://b:2',
        AWS_REGION: 'eu-west-3',
      },
      { kind: 's3', bucket: 'b-1', prefix: '', connection: { endpoint: 'http://a:1', region: 'eu-west-3' } },
    ],
  ])('reads %j', (env, expected) => {
    const { target, problems } = read(env as Record<string, string>);
    expect(problems).toEqual([]);
    expect(target).toMatchObject(expected);
  });

  it('refuses RESULTS_URL and RESULTS_DIR together, naming both', () => {
    const { problems } = read({ RESULTS_URL: 's3://bucket/p', RESULTS_DIR: '/data' });
    expect(problems).toEqual([
      expect.stringMatching(/RESULTS_URL=s3:\/\/bucket\/p and RESULTS_DIR=\/data are both set/),
    ]);
  });

  it.each([
    ['http://bucket/p', /expected file:\/\/\/DIR or s3:\/\/BUCKET\/PREFIX/],
    ['s3://Bad_Bucket/p', /"Bad_Bucket" is not a bucket name/],
    ['s3://bucket/a/../b', /prefix has an empty, '\.' or '\.\.' segment/],
    ['s3://bucket/a//b', /prefix has an empty/],
  ])('refuses RESULTS_URL=%s with a clear message', (url, message) => {
    const { problems } = read({ RESULTS_URL: url });
    expect(problems).toEqual([expect.stringMatching(message)]);
    expect(problems[0]).toContain(`RESULTS_URL=${url}`);
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    const reader = new EnvReader({ AWS_ENDPOINT_URL: 'minio:9000' });
    readS3Connection(reader);
    expect(reader.problems).toEqual([
      expect.stringMatching(/^AWS_ENDPOINT_URL=minio:9000: expected an http/),
    ]);
  });
});

describe(childTarget.name, () => {
  it('puts a sweep below the root: a subdirectory, or a longer prefix', () => {
    expect(childTarget({ kind: 'file', dir: '/r/' }, 'id1')).toEqual({ kind: 'file', dir: '/r/id1' });
    const connection = {};
    expect(childTarget({ kind: 's3', bucket: 'b', prefix: '', connection }, 'id1')).toMatchObject({
      prefix: 'id1',
    });
    expect(childTarget({ kind: 's3', bucket: 'b', prefix: 'p/q', connection }, 'id1')).toMatchObject({
      prefix: 'p/q/id1',
    });
    expect(parseResultsUrl('s3://bucket', connection, 'X')).toMatchObject({ prefix: '' });
  });
});
