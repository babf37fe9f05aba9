import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { integers, referenceIds, referencePiece, referenceText } from './helpers/reference-bpe';
import { runCliOk } from './helpers/run-cli';
import { TestWorkspace } from './helpers/test-model';

/**
 * The notebook's first two questions over -1000..1000, answered by `tokensweep run` on the test model
 * (the real GPT-2 tokenizer) and checked number by number against OpenAI's own GPT-2 BPE.
 */
const FORMATS = ['plain', 'space'] as const;
type Format = (typeof FORMATS)[number];

interface TokensRow {
  number: bigint;
  text: string;
  token_count: number;
  token_ids: number[];
  tokens: string[];
}

interface SignRow {
  number: bigint;
  count_match: boolean;
  ids_match: boolean;
}

describe('tokens and sign-symmetry of -1000..1000 against a reference GPT-2 BPE', () => {
  let workspace: TestWorkspace;
  let db: DuckDb;
  let sweep: string;
  const tokens = new Map<Format, TokensRow[]>();
  const signs = new Map<Format, SignRow[]>();

  beforeAll(async () => {
    workspace = await TestWorkspace.create('tokens');
    const model = await workspace.model('f32');
    sweep = workspace.out('sweep');
    await runCliOk([
      'run',
      '--model',
      model,
      '--numbers',
      '-1000..1000',
      '--format',
      'plain',
      '--format',
      'space',
      '--analysis',
      'tokens',
      '--analysis',
      'sign-symmetry',
      '--out',
      sweep,
    ]);
    db = await DuckDb.open();
    for (const format of FORMATS) {
      const where = `where format = '${format}' order by number`;
      tokens.set(
        format,
        await db.rows<TokensRow>(
          `select number, text, token_count, token_ids, tokens from ${analysisTable(sweep, 'tokens')} ${where}`,
        ),
      );
      signs.set(
        format,
        await db.rows<SignRow>(
          `select number, count_match, ids_match from ${analysisTable(sweep, 'sign-symmetry')} ${where}`,
        ),
      );
    }
  });

  afterAll(async () => {
    db?.close();
    await workspace?.cleanup();
  });

  it.each(FORMATS)(
    '%s: every integer has one row whose ids, pieces and count equal the reference',
    (format) => {
      const rows = tokens.get(format)!;
      expect(rows.map((r) => Number(r.number))).toEqual(integers(-1000, 1000));
      const mismatches = rows.filter((row) => {
        const text = referenceText(Number(row.number), format);
        const ids = referenceIds(text);
        return (
          row.text !== text ||
          row.token_count !== ids.length ||
          JSON.stringify(row.token_ids) !== JSON.stringify(ids) ||
          JSON.stringify(row.tokens) !== JSON.stringify(ids.map(referencePiece))
        );
      });
      expect(mismatches.slice(0, 5)).toEqual([]);
    },
  );

  it.each(FORMATS)('%s: the pieces of each row concatenate to its text', (format) => {
    const broken = tokens.get(format)!.filter((row) => row.tokens.join('') !== row.text);
    expect(broken.slice(0, 5)).toEqual([]);
  });

  it('plain: 820 / 1000 / 181 numbers of 1 / 2 / 3 tokens, as the reference says', () => {
    const histogram = (counts: number[]) =>
      counts.reduce<Record<number, number>>((h, c) => ({ ...h, [c]: (h[c] ?? 0) + 1 }), {});
    const expected = { 1: 820, 2: 1000, 3: 181 };
    expect(histogram(integers(-1000, 1000).map((n) => referenceIds(`${n}`).length))).toEqual(expected);
    expect(histogram(tokens.get('plain')!.map((r) => r.token_count))).toEqual(expected);
  });

  it('plain: 819 of 0..999 are one token and 521 is the first that splits', async () => {
    const table = analysisTable(sweep, 'tokens');
    expect(
      await db.value(
        `select count(*) from ${table} where format = 'plain' and number between 0 and 999 and token_count = 1`,
      ),
    ).toBe(819n);
    expect(
      await db.value(
        `select min(number) from ${table} where format = 'plain' and number >= 0 and token_count > 1`,
      ),
    ).toBe(521n);
  });

  it.each(FORMATS)('%s: sign-symmetry has one row per n in 1..1000 that follows its definition', (format) => {
    const rows = signs.get(format)!;
    expect(rows.map((r) => Number(r.number))).toEqual(integers(1, 1000));
    const expected = rows.map((row) => {
      const n = Number(row.number);
      const positive = referenceIds(referenceText(n, format));
      const negative = referenceIds(referenceText(-n, format));
      const countMatch = negative.length === positive.length + 1;
      const idsMatch = countMatch && negative.slice(1).every((id, i) => id === positive[i]);
      return { number: row.number, count_match: countMatch, ids_match: idsMatch };
    });
    expect(rows).toEqual(expected);
  });

  it.each([
    ['plain', 1000],
    ['space', 0],
  ] as const)('%s: ids_match holds for %i of 1000 pairs', (format, matches) => {
    expect(signs.get(format)!.filter((r) => r.ids_match)).toHaveLength(matches);
  });

  it('summary.json says the same', async () => {
    const summary = JSON.parse(await readFile(path.join(sweep, 'summary.json'), 'utf8'));
    const entry = (format: Format) => summary.entries.find((e: { format: string }) => e.format === format);
    expect(entry('plain').tokens).toEqual({
      numbers: 2001,
      histogram: { 1: 820, 2: 1000, 3: 181 },
      singleTokenShare: 820 / 2001,
      firstMultiToken: 521,
    });
    expect(entry('plain').signSymmetry).toEqual({ pairs: 1000, countMatches: 1000, idsMatches: 1000 });
    const spaceCounts = signs.get('space')!.filter((r) => r.count_match).length;
    expect(entry('space').signSymmetry).toEqual({ pairs: 1000, countMatches: spaceCounts, idsMatches: 0 });
    const spaceHistogram: Record<string, number> = {};
    for (const row of tokens.get('space')!)
      spaceHistogram[row.token_count] = (spaceHistogram[row.token_count] ?? 0) + 1;
    expect(entry('space').tokens.histogram).toEqual(spaceHistogram);
  });
});
