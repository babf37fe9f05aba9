import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatModelRef, modelSlug, parseModelRef } from './model-ref';

describe(parseModelRef.name, () => {
  it.each([
    ['gpt2', { kind: 'hub', id: 'gpt2' }],
    ['EleutherAI/pythia-70m', { kind: 'hub', id: 'EleutherAI/pythia-70m' }],
    ['Qwen/Qwen3-0.6B', { kind: 'hub', id: 'Qwen/Qwen3-0.6B' }],
    ['meta-llama/Llama-3.2-1B@main', { kind: 'hub', id: 'meta-llama/Llama-3.2-1B', revision: 'main' }],
    ['gpt2@v1.0', { kind: 'hub', id: 'gpt2', revision: 'v1.0' }],
    ['org/name@refs/pr/1', { kind: 'hub', id: 'org/name', revision: 'refs/pr/1' }],
    [
      'EleutherAI/pythia-70m@607a30d783dfa663caf39e06633721c8d4cfcd7e',
      { kind: 'hub', id: 'EleutherAI/pythia-70m', revision: '607a30d783dfa663caf39e06633721c8d4cfcd7e' },
    ],
  ])('reads the Hub id %s', (arg, expected) => {
    expect(parseModelRef(arg, false)).toEqual(expected);
    expect(formatModelRef(parseModelRef(arg, false))).toBe(arg);
  });

  it.each([
    '',
    '../../etc/passwd',
    '/abs',
    '/etc/passwd',
    './model',
    '~/models/gpt2',
    'a/b/c',
    'org//name',
    '/gpt2',
    'gpt2/',
    'org/../name',
    'org/na..me',
    'org--name',
    'https://huggingface.co/gpt2',
    'http://127.0.0.1:8080/gpt2',
    'hf://gpt2',
    'C:\\models\\gpt2',
    'gpt 2',
    '-gpt2',
    'gpt2-',
    'x'.repeat(97),
    '@main',
  ])('refuses %j when only Hub ids are allowed, saying so', (arg) => {
    expect(() => parseModelRef(arg, false)).toThrow(/not a Hugging Face model id.*Hub ids only, never paths/);
  });

  it.each([
    'gpt2@',
    'gpt2@../main',
    'gpt2@main/../../x',
    'gpt2@-x',
    'gpt2@a b',
    'gpt2@main@x',
    `gpt2@${'r'.repeat(101)}`,
  ])('refuses the malformed revision in %j', (arg) => {
    expect(() => parseModelRef(arg, false)).toThrow(/malformed revision/);
  });

  describe('with local directories allowed (the CLI)', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'tokensweep-ref-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it.each([
      ['/abs', '/abs'],
      ['/abs/model/', '/abs/model'],
      ['./model', path.resolve('model')],
      ['../../etc/passwd', path.resolve('../../etc/passwd')],
      ['.', process.cwd()],
      ['~', os.homedir()],
      ['~/models/gpt2', path.join(os.homedir(), 'models/gpt2')],
    ])('takes %j as the local directory %j, existing or not', (arg, expected) => {
      expect(parseModelRef(arg, true)).toEqual({ kind: 'local', path: expected });
    });

    it('takes an existing relative directory as local and a missing one as a Hub id', () => {
      mkdirSync(path.join(scratch, 'org', 'name'), { recursive: true });
      const relative = path.relative(process.cwd(), path.join(scratch, 'org', 'name'));
      expect(parseModelRef(relative, true)).toEqual({
        kind: 'local',
        path: path.join(scratch, 'org', 'name'),
      });
      expect(parseModelRef('no-such-org/no-such-model', true)).toEqual({
        kind: 'hub',
        id: 'no-such-org/no-such-model',
      });
    });

    it('still refuses what is neither a directory nor a Hub id, mentioning directories', () => {
      expect(() => parseModelRef('a/b/c', true)).toThrow(/\(or a local directory\)/);
      expect(() => parseModelRef('https://huggingface.co/gpt2', true)).toThrow(/not a Hugging Face model id/);
    });
  });
});

describe(modelSlug.name, () => {
  it.each([
    ['gpt2', 'gpt2'],
    ['EleutherAI/pythia-70m', 'EleutherAI--pythia-70m'],
    ['EleutherAI/pythia-70m@v0', 'EleutherAI--pythia-70m'],
    ['Qwen/Qwen3-0.6B', 'Qwen--Qwen3-0.6B'],
  ])('names the Hub model %s %s', (arg, slug) => {
    expect(modelSlug(parseModelRef(arg, false))).toBe(slug);
  });

  it.each([
    ['/models/gpt2', 'gpt2'],
    ['/models/my model (v2)', 'my_model__v2_'],
    ['/models/llama+qwen', 'llama_qwen'],
    ['/models/ünï', '_n_'],
    ['/models/a.b_c-d', 'a.b_c-d'],
  ])('names the local directory %s %s', (dir, slug) => {
    expect(modelSlug({ kind: 'local', path: dir })).toBe(slug);
    expect(slug).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});
