import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listFiles,
  parsePartPath,
  partPath,
  removeStrayTempFiles,
  writeFileAtomically,
} from './sweep-layout';

describe(partPath.name, () => {
  it.each([
    ['tokens', 'gpt2', 'plain', 0, 'tokens/model=gpt2/format=plain/part-00000.parquet'],
    [
      'cosine-matrix',
      'EleutherAI--pythia-70m',
      'comma',
      17,
      'cosine-matrix/model=EleutherAI--pythia-70m/format=comma/part-00017.parquet',
    ],
    [
      'sign-symmetry',
      'my_model.v2',
      'space',
      123456,
      'sign-symmetry/model=my_model.v2/format=space/part-123456.parquet',
    ],
  ] as const)(
    '%s, %s, %s, part %i: %s, read back by parsePartPath',
    (analysis, slug, format, part, expected) => {
      expect(partPath(analysis, slug, format, part)).toBe(expected);
      expect(parsePartPath(expected)).toEqual({ analysis, slug, format, part });
    },
  );
});

describe(parsePartPath.name, () => {
  it.each([
    'manifest.json',
    'tokens/model=gpt2/format=plain/.part-00000.parquet.123-abcd0123.tmp',
    'tokens/model=gpt2/format=plain/part-00000.parquet.tmp',
    'histogram/model=gpt2/format=plain/part-00000.parquet',
    'tokens/model=org/name/format=plain/part-00000.parquet',
    'tokens/model=gpt2/format=plain/part-0.parquet',
    'plots/token-counts.png',
  ])('is not a part: %s', (relative) => {
    expect(parsePartPath(relative)).toBeNull();
  });
});

describe('atomic part files', () => {
  let dir: string;
  const relative = 'tokens/model=gpt2/format=plain/part-00000.parquet';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-layout-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`${writeFileAtomically.name} creates the directories, writes, and rewrites in place without a trace`, async () => {
    expect(await writeFileAtomically(dir, relative, new Uint8Array([1, 2, 3]))).toBe(3);
    expect(await writeFileAtomically(dir, relative, 'four')).toBe(4);
    expect(await readFile(path.join(dir, relative), 'utf8')).toBe('four');
    expect(await listFiles(dir)).toEqual([relative]);
  });

  it(`${removeStrayTempFiles.name} removes what interrupted writes left, and nothing else`, async () => {
    const folder = path.join(dir, 'tokens/model=gpt2/format=plain');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, '.part-00001.parquet.4242-0badf00d.tmp'), 'half a part');
    await writeFile(path.join(dir, 'spec.json'), '{}');
    expect(await removeStrayTempFiles(dir)).toBe(1);
    expect(await listFiles(dir)).toEqual(['spec.json', relative]);
  });
});
