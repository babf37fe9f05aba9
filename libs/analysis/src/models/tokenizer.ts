import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NumberFormat } from '../spec/vocabulary';
import { Utf8Texts, utf8Texts } from '../compute/utf8-texts';
import { EncodedNumbers, encodeOneByOne } from '../tokenize/encoded-numbers';
import { ExactNumberTokenizer } from '../tokenize/exact-number-tokenizer';
import { FullTokenizer } from '../tokenize/full-tokenizer';
import { FastPathPlan, planNumberFastPath } from '../tokenize/number-fast-path';

/** Which implementation tokenizes a model's numbers: the exact byte-level BPE of numbers, or the full tokenizer. */
export type TokenizerPath = 'exact-bpe' | 'transformers';

interface TokenizerEngine {
  encodeInto(text: string, out: Int32Array, at: number): number;
  /** A batch of numbers at once, where the engine has a way of its own. */
  encodeNumbers?(values: Float64Array, format: NumberFormat): EncodedNumbers;
  /** The texts of a batch's tokens, where the engine has a way of its own. */
  pieceTexts?(tokens: { ids: Int32Array; texts: Utf8Texts }): Utf8Texts;
  piece(id: number): string;
}

/** How a model's tokenizer was loaded: the path, and why the exact one was not taken (null when it was). */
export interface TokenizerChoice {
  path: TokenizerPath;
  reason: string | null;
}

/**
 * What loading a tokenizer.json decided, as plain data that can be cloned to another thread: the
 * path taken, the exact path's plan (only the vocabulary and merges numbers can use, a few hundred KB
 * at most), and the sha256 of the file as read. A thread given it builds the same tokenizer without
 * reading or parsing the file.
 */
export interface TokenizerSource {
  choice: TokenizerChoice;
  /** The exact number path's plan; null on the full tokenizer's path. */
  plan: FastPathPlan | null;
  sha256: string;
}

/**
 * The one tokenizer adapter: numbers' texts to ids without special tokens, ids to their text. It
 * takes the exact number path when the tokenizer.json is one it covers, and otherwise the full
 * tokenizer; either gives the ids of Hugging Face's Rust tokenizers.
 */
export class NumberTokenizer {
  private knownIds: Set<number> | undefined;
  private fullPieces: Promise<FullTokenizer> | undefined;
  readonly choice: TokenizerChoice;

  private constructor(
    private readonly engine: TokenizerEngine,
    /** How it was loaded; what another thread needs to build the same tokenizer (`fromSource`). */
    readonly source: TokenizerSource,
    private readonly dir: string,
  ) {
    this.choice = source.choice;
  }

  /**
   * Loads a model directory's `tokenizer.json`, reading it once (its sha256 is of the bytes parsed);
   * `path` forces one implementation (the full one covers every tokenizer).
   */
  static async load(dir: string, options: { path?: TokenizerPath } = {}): Promise<NumberTokenizer> {
    const { source, exact } = await NumberTokenizer.decide(dir, options.path);
    if (exact) return new NumberTokenizer(exact, source, dir);
    if (options.path === 'exact-bpe')
      throw new Error(`the exact number tokenizer does not cover ${dir}: ${source.choice.reason}`);
    return NumberTokenizer.full(dir, source.choice, source.sha256);
  }

  /**
   * What loading `dir` decides, without the tokenizer itself: what a pool's main thread loads while
   * its threads start, so that they build their tokenizers from it (`fromSource`) without the file.
   */
  static async loadSource(dir: string): Promise<TokenizerSource> {
    return (await NumberTokenizer.decide(dir)).source;
  }

  /**
   * Reads `tokenizer.json` once (its sha256 is of the bytes parsed) and decides the path: the exact
   * number tokenizer, built here, when it covers the file, else the full one and why.
   */
  private static async decide(
    dir: string,
    forced?: TokenizerPath,
  ): Promise<{ source: TokenizerSource; exact?: ExactNumberTokenizer }> {
    const bytes = await readFile(path.join(dir, 'tokenizer.json'));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const full = (reason: string | null): { source: TokenizerSource } => ({
      source: { choice: { path: 'transformers', reason }, plan: null, sha256 },
    });
    if (forced === 'transformers') return full('asked for');
    const decision = planNumberFastPath(JSON.parse(bytes.toString('utf8')));
    if (!decision.exact) return full(decision.reason);
    try {
      const exact = new ExactNumberTokenizer(decision.plan);
      return { source: { choice: { path: 'exact-bpe', reason: null }, plan: decision.plan, sha256 }, exact };
    } catch (error) {
      return full((error as Error).message);
    }
  }

  /**
   * The tokenizer another load of `dir` described: the exact path from its plan alone. The full
   * tokenizer (transformers.js) is an object no thread can hand to another, so on that path each
   * thread loads its own from the directory, as `load` does.
   */
  static async fromSource(dir: string, source: TokenizerSource): Promise<NumberTokenizer> {
    if (source.plan) return new NumberTokenizer(new ExactNumberTokenizer(source.plan), source, dir);
    return NumberTokenizer.full(dir, source.choice, source.sha256);
  }

  private static async full(dir: string, choice: TokenizerChoice, sha256: string): Promise<NumberTokenizer> {
    return new NumberTokenizer(await FullTokenizer.load(dir), { choice, plan: null, sha256 }, dir);
  }

  /** Token ids of `text` into `out` from `at` (room for `text.length * 2 + 8` ids); returns the new end. */
  encodeInto(text: string, out: Int32Array, at: number): number {
    return this.engine.encodeInto(text, out, at);
  }

  /** Each of `values` (safe integers) formatted as `format` and tokenized, no special tokens added. */
  encodeNumbers(values: Float64Array, format: NumberFormat): EncodedNumbers {
    return this.engine.encodeNumbers?.(values, format) ?? encodeOneByOne(this.engine, values, format);
  }

  /** Token ids of `text`, with no BOS/EOS or other special tokens added. */
  encode(text: string): number[] {
    const out = new Int32Array(text.length * 2 + 8);
    return Array.from(out.subarray(0, this.engine.encodeInto(text, out, 0)));
  }

  /** The text of one token id decoded on its own. */
  piece(id: number): string {
    return this.engine.piece(id);
  }

  /** The text of each of a batch's tokens decoded on its own, as UTF-8 end to end (the `tokens` column's lists). */
  pieceTexts(tokens: { ids: Int32Array; texts: Utf8Texts }): Utf8Texts {
    return (
      this.engine.pieceTexts?.(tokens) ?? utf8Texts(Array.from(tokens.ids, (id) => this.engine.piece(id)))
    );
  }

  /**
   * Every token's text, for the nearest-token search: the exact number path knows only the pieces
   * numbers are made of, so the full tokenizer is loaded (once) to decode the rest of the vocabulary.
   */
  async vocabularyNames(): Promise<{ hasToken(id: number): boolean; piece(id: number): string }> {
    const full =
      this.choice.path === 'transformers'
        ? this.engine
        : await (this.fullPieces ??= FullTokenizer.load(this.dir));
    return { hasToken: (id) => this.hasToken(id), piece: (id) => full.piece(id) };
  }

  /** Whether the vocabulary (added tokens included) has a token of this id; padding rows of a matrix have none. */
  hasToken(id: number): boolean {
    this.knownIds ??= vocabularyIds(JSON.parse(readFileSync(path.join(this.dir, 'tokenizer.json'), 'utf8')));
    return this.knownIds.has(id);
  }
}

/** The ids a tokenizer.json knows: its model's vocabulary (a token → id map, or Unigram's list) and its added tokens. */
function vocabularyIds(json: {
  model?: { vocab?: Record<string, number> | [string, number][] };
  added_tokens?: { id?: unknown }[];
}): Set<number> {
  const vocab = json.model?.vocab ?? {};
  const ids = new Set<number>(Array.isArray(vocab) ? vocab.map((_, i) => i) : Object.values(vocab));
  for (const token of json.added_tokens ?? []) if (typeof token.id === 'number') ids.add(token.id);
  return ids;
}
