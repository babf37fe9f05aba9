import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli';
import { TestModelKind, TestWorkspace } from './helpers/test-model';

/**
 * `tokensweep run` refuses bad input up front: exit 2, one line on stderr naming the field (or
 * model) and the problem, and nothing written. Good input in either flag spelling runs.
 */
interface BadCase {
  name: string;
  model?: TestModelKind | 'missing';
  args: string[];
  env?: Record<string, string>;
  stderr: RegExp;
}

const BAD: BadCase[] = [
  {
    name: 'start after end',
    args: ['--numbers', '5..1'],
    stderr: /numbers: item "5\.\.1" starts after it ends/,
  },
  { name: 'step 0', args: ['--numbers', '1..10:0'], stderr: /numbers: item "1\.\.10:0" has step 0/ },
  { name: 'not a number', args: ['--numbers', 'abc'], stderr: /numbers: item "abc" is malformed/ },
  { name: 'empty expression', args: ['--numbers', ''], stderr: /numbers: is empty/ },
  { name: 'trailing comma', args: ['--numbers', '1..5,'], stderr: /numbers: has an empty item/ },
  {
    name: 'unknown analysis',
    args: ['--analysis', 'histogram'],
    stderr: /analyses: unknown analysis "histogram"/,
  },
  { name: 'unknown format', args: ['--format', 'roman'], stderr: /formats: unknown format "roman"/ },
  { name: 'unknown pooling', args: ['--pooling', 'max'], stderr: /pooling: unknown pooling "max"/ },
  { name: 'chunk size 0', args: ['--chunk-size', '0'], stderr: /--chunk-size.*expected an integer ≥ 1/ },
  { name: 'unknown flag', args: ['--colour', 'red'], stderr: /unknown option '--colour'/ },
  {
    name: 'missing model directory',
    model: 'missing',
    args: [],
    stderr: /model \S+nowhere: no such directory/,
  },
  {
    name: 'no safetensors when a cosine is asked',
    model: 'tokenizerOnly',
    args: ['--analysis', 'cosine-matrix'],
    stderr: /gpt2-tokenizer-only.*lacks model\.safetensors.*need the embedding matrix/,
  },
  {
    name: 'no embedding tensor when a cosine is asked',
    model: 'noEmbedding',
    args: ['--analysis', 'successive-cosine'],
    stderr: /gpt2-no-embedding.*holds no token-embedding tensor \(found ln_f\.weight\)/,
  },
  {
    name: 'over MAX_SWEEP_NUMBERS',
    args: [],
    env: { MAX_SWEEP_NUMBERS: '1000' },
    stderr:
      /numbers: the expression sweeps 2,001 numbers, over the limit of 1,000; .*raise MAX_SWEEP_NUMBERS/,
  },
  {
    name: 'over MAX_MATRIX_NUMBERS',
    args: ['--numbers', '0..200'],
    env: { MAX_MATRIX_NUMBERS: '100' },
    stderr: /analyses: cosine-matrix .* 201 numbers, over the limit of 100; .*raise MAX_MATRIX_NUMBERS/,
  },
  {
    name: 'over MAX_SWEEP_CHUNKS',
    args: ['--numbers', '0..999', '--chunk-size', '1', '--analysis', 'tokens'],
    env: { MAX_SWEEP_CHUNKS: '100' },
    stderr:
      /chunkSize: the sweep would run 1,000 chunks .*over the limit of 100; raise chunkSize to at least 10, or raise MAX_SWEEP_CHUNKS/,
  },
  {
    name: 'a malformed limit',
    args: [],
    env: { MAX_SWEEP_NUMBERS: 'lots' },
    stderr: /bad configuration: MAX_SWEEP_NUMBERS=lots: expected an integer/,
  },
];

const LEAVE_EMPTY = ['step 0', 'no embedding tensor when a cosine is asked', 'over MAX_SWEEP_NUMBERS'];

describe('tokensweep run', () => {
  let workspace: TestWorkspace;
  const models = new Map<TestModelKind | 'missing', string>();

  beforeAll(async () => {
    workspace = await TestWorkspace.create('cli');
    for (const kind of ['f32', 'tokenizerOnly', 'noEmbedding'] as const)
      models.set(kind, await workspace.model(kind));
    models.set('missing', path.join(workspace.root, 'nowhere'));
  });

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it.each(BAD)(
    'refuses $name: exit 2, one line naming the problem, no --out directory',
    async ({ name, model, args, env, stderr }) => {
      const out = workspace.out(name.replace(/\W+/g, '-'));
      const result = await runCli(
        ['run', '--model', models.get(model ?? 'f32')!, ...args, '--out', out],
        env,
      );
      expect(result.stderr).toMatch(stderr);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    },
  );

  // one spec, one model and one limit refusal are enough to show an existing directory is left alone
  it.each(BAD.filter((c) => LEAVE_EMPTY.includes(c.name)))(
    'leaves an existing empty --out directory empty when it refuses $name',
    async ({ name, model, args, env }) => {
      const out = workspace.out(`${name.replace(/\W+/g, '-')}-existing`);
      await mkdir(out, { recursive: true });
      const result = await runCli(
        ['run', '--model', models.get(model ?? 'f32')!, ...args, '--out', out],
        env,
      );
      expect(result.code).toBe(2);
      expect(await readdir(out)).toEqual([]);
    },
  );

  it('reports every problem of a spec at once, one line each', async () => {
    const out = workspace.out('several-problems');
    const result = await runCli([
      'run',
      '--model',
      models.get('f32')!,
      '--numbers',
      'abc',
      '--format',
      'roman',
      '--pooling',
      'max',
      '--out',
      out,
    ]);
    expect(result.code).toBe(2);
    expect(
      result.stderr
        .trimEnd()
        .split('\n')
        .map((line) => /(\w+):/.exec(line.replace(/^tokensweep: /, ''))?.[1]),
    ).toEqual(['numbers', 'formats', 'pooling']);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    { spelling: 'two arguments', flag: ['--numbers', '-1000..1000'] },
    { spelling: 'one argument', flag: ['--numbers=-1000..1000'] },
  ])(
    'takes a negative expression as $spelling: $flag (and needs no weights for tokens)',
    async ({ spelling, flag }) => {
      const out = workspace.out(spelling.replace(/\W+/g, '-'));
      const result = await runCli([
        'run',
        '--model',
        models.get('tokenizerOnly')!,
        ...flag,
        '--analysis',
        'tokens',
        '--json',
        '--out',
        out,
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const manifest = JSON.parse(result.stdout);
      expect(manifest.spec.numbers).toBe('-1000..1000');
      expect(manifest.files).toMatchObject([{ analysis: 'tokens', rows: 2001 }]);
      expect(manifest.models[0].embeddingSha256).toBeNull();
    },
  );

  describe('with a non-empty --out', () => {
    let out: string;
    const sweep = (...extra: string[]) =>
      runCli([
        'run',
        '--model',
        models.get('tokenizerOnly')!,
        '--numbers',
        '0..9',
        '--analysis',
        'tokens',
        '--out',
        out,
        ...extra,
      ]);

    beforeAll(async () => {
      out = workspace.out('occupied');
      await mkdir(path.join(out, 'old'), { recursive: true });
      await writeFile(path.join(out, 'old', 'notes.txt'), 'keep me unless forced');
    });

    it('refuses without --force and leaves the directory alone', async () => {
      const result = await sweep();
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--out .*occupied is not empty; .*--force/);
      expect(await readdir(out, { recursive: true })).toEqual(['old', path.join('old', 'notes.txt')]);
    });

    it('replaces its contents with --force', async () => {
      const result = await sweep('--force');
      expect(result.code).toBe(0);
      expect(existsSync(path.join(out, 'old'))).toBe(false);
      const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({ status: 'completed', files: [{ analysis: 'tokens', rows: 10 }] });
    });
  });
});
