import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { DistributedStack } from './helpers/distributed-stack';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { runCli, runCliOk } from './helpers/run-cli';
import { TestWorkspace } from './helpers/test-model';

/** Numbers a researcher already has, in no order and with repeats: swept sorted, once each. */
const GIVEN = [2024, 1990, -7, 1990, 350, 0, 12, -7, 1000];
const SWEPT = [-7, 0, 12, 350, 1000, 1990, 2024];

describe('a list of numbers', () => {
  let db: DuckDb;

  beforeAll(async () => {
    db = await DuckDb.open();
  });

  afterAll(() => db?.close());

  describe('from tokensweep run --numbers @FILE', () => {
    let workspace: TestWorkspace;
    let model: string;

    beforeAll(async () => {
      workspace = await TestWorkspace.create('number-file');
      model = path.join(workspace.root, 'demo');
      await writeDemoModel(model, { seed: 3 });
    });

    afterAll(async () => {
      await workspace?.cleanup();
    });

    it.each([
      ['one integer a line', `# sample\n${GIVEN.join('\n')}\n\n`],
      ['a JSON array', JSON.stringify(GIVEN)],
    ])('sweeps %s sorted, once each, and keeps the list in spec.json', async (label, text) => {
      const file = path.join(workspace.root, `${label.replace(/\W/g, '-')}.txt`);
      await writeFile(file, text);
      const out = workspace.out(label.replace(/\W/g, '-'));
      await runCliOk([
        'run',
        '--model',
        model,
        '--numbers',
        `@${file}`,
        '--analysis=tokens',
        '--analysis=successive-cosine',
        '--chunk-size=3',
        '--out',
        out,
      ]);
      expect(JSON.parse(await readFile(path.join(out, 'spec.json'), 'utf8')).numbers).toEqual(SWEPT);
      const tokens = await db.rows<{ number: bigint }>(
        `select number from ${analysisTable(out, 'tokens')} order by number`,
      );
      expect(tokens.map((r) => Number(r.number))).toEqual(SWEPT);
      const successive = await db.rows<{ number: bigint; previous: bigint }>(
        `select number, previous from ${analysisTable(out, 'successive-cosine')} order by number`,
      );
      expect(successive.map((r) => [Number(r.number), Number(r.previous)])).toEqual(
        SWEPT.slice(1).map((n, i) => [n, SWEPT[i]]),
      );
    });

    it('exits 2 naming the line of a bad entry', async () => {
      const file = path.join(workspace.root, 'bad.txt');
      await writeFile(file, '1\n2\n# fine\n3.5\n');
      const result = await runCli([
        'run',
        '--model',
        model,
        '--numbers',
        `@${file}`,
        '--out',
        workspace.out('bad'),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--numbers @.*bad\.txt: line 4: "3\.5" is not an integer/);
    });
  });

  describe('in the body of POST /sweeps', () => {
    let stack: DistributedStack;

    DistributedStack.logsOnFailure(() => stack);

    beforeAll(async () => {
      stack = await DistributedStack.start({
        label: 'lists',
        workers: 1,
        env: { KEEP_COMPLETED_JOBS: '1000' },
      });
    });

    afterAll(async () => {
      await stack?.close();
    });

    it('is swept sorted and once each; chunk jobs carry a reference to it, not the list', async () => {
      const many = Array.from({ length: 2_000 }, (_, i) => 1_000_000 - 7 * i);
      const raw = `{"models": ["demo-a"], "numbers": [${[...GIVEN.map(String), '1e3', '2.0', ...many.map(String)].join(', ')}], "analyses": ["tokens", "successive-cosine", "cosine-matrix"], "chunkSize": 500, "tileSize": 1000}`;
      const answer = await stack.api.request('POST', '/sweeps', { raw });
      expect(answer.status, answer.text).toBe(202);
      const { id } = answer.json;
      const sweep = await stack.api.awaitStatus(id, 'completed', { context: stack.logs });
      const expected = [...new Set([...SWEPT, 2, ...many])].sort((a, b) => a - b);
      expect(sweep.spec.numbers).toEqual(expected);
      expect(JSON.parse(await readFile(path.join(stack.sweepDir(id), 'spec.json'), 'utf8')).numbers).toEqual(
        expected,
      );

      const dir = stack.sweepDir(id);
      const tokens = await db.rows<{ number: bigint }>(
        `select number from ${analysisTable(dir, 'tokens')} order by number`,
      );
      expect(tokens.map((r) => Number(r.number))).toEqual(expected);
      const previous = await db.rows<{ previous: bigint }>(
        `select previous from ${analysisTable(dir, 'successive-cosine')} order by number`,
      );
      expect(previous.map((r) => Number(r.previous))).toEqual(expected.slice(0, -1));

      const jobs = await stack.queue('chunks').getJobs(['completed'], 0, -1);
      const mine = jobs.filter((job) => job.data.sweepId === id);
      expect(mine.length).toBe(answer.json.chunks);
      for (const job of mine) {
        expect(JSON.stringify(job.data).length).toBeLessThan(1_200);
        expect(job.data.spec.numbers).toEqual({
          listSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          count: expected.length,
        });
      }
    });

    it.each([
      [
        'a fraction that parsing would round to an integer',
        '[1, 1.0000000000000001]',
        /^numbers: \[1\] .*1\.0000000000000001 \(not an integer\)$/,
      ],
      [
        'a value past 2^53 − 1 that parsing would round',
        '[9007199254740993, 2]',
        /^numbers: \[0\] .*9007199254740993 \(past the bound/,
      ],
      ['a string', '[1, 2, "3"]', /^numbers: \[2\] .*the string "3"$/],
      ['null', '[null]', /^numbers: \[0\] .* got null$/],
      ['an empty list', '[]', /^numbers: is an empty list/],
    ])('refuses %s, naming the index', async (_, list, message) => {
      const answer = await stack.api.request('POST', '/sweeps', {
        raw: `{"models": ["demo-a"], "numbers": ${list}}`,
      });
      expect(answer.status).toBe(400);
      expect(answer.json.message).toEqual([expect.stringMatching(message)]);
    });
  });
});
