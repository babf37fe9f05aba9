import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExactNumberTokenizer } from '../tokenize/exact-number-tokenizer';
import { FullTokenizer } from '../tokenize/full-tokenizer';
import { planNumberFastPath } from '../tokenize/number-fast-path';

/** Which implementation tokenizes a model's numbers: the exact byte-level BPE of numbers, or the full tokenizer. */
export type TokenizerPath = 'exact-bpe' | 'transformers';

interface TokenizerEngine {
  encodeInto(text: string, out: Int32Array, at: number): number;
  piece(id: number): string;
}

/** How a model's tokenizer was loaded: the path, and why the exact one was not taken (null when it was). */
export interface TokenizerChoice {
  path: TokenizerPath;
  reason: string | null;
}

/**
 * The one tokenizer adapter: numbers' texts to ids without special tokens, ids to their text. It
 * takes the exact number path when the tokenizer.json is one it covers, and otherwise the full
 * tokenizer; either gives the ids of Hugging Face's Rust tokenizers.
 */
export class NumberTokenizer {
  private constructor(
    private readonly engine: TokenizerEngine,
    readonly choice: TokenizerChoice,
  ) {}

  /** Loads a model directory's `tokenizer.json`; `path` forces one implementation (the full one covers every tokenizer). */
  static async load(dir: string, options: { path?: TokenizerPath } = {}): Promise<NumberTokenizer> {
    if (options.path !== 'transformers') {
      const json: unknown = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
      const decision = planNumberFastPath(json);
      let reason = decision.exact ? null : decision.reason;
      if (decision.exact) {
        try {
          return new NumberTokenizer(new ExactNumberTokenizer(decision.plan), {
            path: 'exact-bpe',
            reason: null,
          });
        } catch (error) {
          reason = (error as Error).message;
        }
      }
      if (options.path === 'exact-bpe')
        throw new Error(`the exact number tokenizer does not cover ${dir}: ${reason}`);
      return new NumberTokenizer(await FullTokenizer.load(dir), { path: 'transformers', reason });
    }
    return new NumberTokenizer(await FullTokenizer.load(dir), { path: 'transformers', reason: 'asked for' });
  }

  /** Token ids of `text` into `out` from `at` (room for `text.length * 2 + 8` ids); returns the new end. */
  encodeInto(text: string, out: Int32Array, at: number): number {
    return this.engine.encodeInto(text, out, at);
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
}
