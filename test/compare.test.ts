import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { runCli, runCliOk } from './helpers/run-cli';
import { TestWorkspace } from './helpers/test-model';

/** Several tokenizer families in one sweep: the comparison in summary.json, after run, and from `compare`. */
describe('tokensweep compare', () => {
  let workspace: TestWorkspace;
  let out: string;
  let runOutput: string;

  beforeAll(async () => {
    workspace = await TestWorkspace.create('compare');
    const models = await Promise.all(
      (['gpt2', 'qwen3'] as const).map(async (family) => {
        const dir = path.join(workspace.root, 'models', family);
        await writeDemoModel(dir, { family, withoutWeights: true });
        return dir;
      }),
    );
    out = workspace.out('families');
    const args = [
      'run',
      ...models.flatMap((m) => ['--model', m]),
      '--numbers',
      '0..99',
      '--analysis',
      'tokens',
      '--analysis',
      'sign-symmetry',
    ];
    runOutput = (await runCliOk([...args, '--out', out])).stdout;
  });

  afterAll(async () => {
    await workspace?.cleanup();
  });

  it('summarizes each model × format in summary.json', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const bySlug = Object.fromEntries(summary.entries.map((e: { slug: string }) => [e.slug, e]));
    // GPT-2: every number below 100 is one token; Qwen: one token per digit
    expect(bySlug.gpt2.tokens).toEqual({
      numbers: 100,
      histogram: { '1': 100 },
      singleTokenShare: 1,
      firstMultiToken: null,
    });
    expect(bySlug.qwen3.tokens).toEqual({
      numbers: 100,
      histogram: { '1': 10, '2': 90 },
      singleTokenShare: 0.1,
      firstMultiToken: 10,
    });
    // no negatives swept: no pairs
    expect(bySlug.qwen3.signSymmetry).toEqual({ pairs: 0, countMatches: 0, idsMatches: 0 });
  });

  it('prints the same comparison at the end of run and from compare DIR', async () => {
    const compared = await runCliOk(['compare', out]);
    expect(runOutput.startsWith(compared.stdout.trimEnd())).toBe(true);
    const lines = compared.stdout.trim().split('\n');
    expect(lines).toHaveLength(4); // header, rule, two models
    expect(lines[2]).toMatch(/^gpt2\s+plain\s+100\s+100\s+0\s+100\.0%\s+—/);
    expect(lines[3]).toMatch(/^qwen3\s+plain\s+100\s+10\s+90\s+10\.0%\s+10\b/);
  });

  it('prints summary.json with --json', async () => {
    const compared = await runCliOk(['compare', out, '--json']);
    expect(JSON.parse(compared.stdout)).toEqual(
      JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')),
    );
  });

  it('exits 2 for a directory that is not a finished sweep', async () => {
    const result = await runCli(['compare', path.join(workspace.root, 'nowhere')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/summary\.json: not found/);
  });
});
