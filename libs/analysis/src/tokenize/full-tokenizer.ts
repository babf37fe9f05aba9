import type { PreTrainedTokenizer } from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { loadTransformers } from '../compute/transformers-runtime';

/** Any tokenizer.json through `@huggingface/transformers`' AutoTokenizer: the path of tokenizers the exact one does not cover. */
export class FullTokenizer {
  private readonly pieces: (string | undefined)[] = [];

  private constructor(private readonly tokenizer: PreTrainedTokenizer) {}

  /** Loads `tokenizer.json` (+ `tokenizer_config.json`) from a model directory. */
  static async load(dir: string): Promise<FullTokenizer> {
    const { AutoTokenizer } = await loadTransformers();
    return new FullTokenizer(await AutoTokenizer.from_pretrained(dir, { local_files_only: true }));
  }

  /** Token ids of `text`, no special tokens, into `out` at `at` (room for `text.length * 2 + 8`); returns the new end. */
  encodeInto(text: string, out: Int32Array, at: number): number {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false });
    if (at + ids.length > out.length)
      throw new Error(`"${text}" gives ${ids.length} tokens, more than a number's text can`);
    for (let t = 0; t < ids.length; t++) out[at + t] = ids[t];
    return at + ids.length;
  }

  /** The text of one token id decoded on its own; kept per id, so bounded by the vocabulary. */
  piece(id: number): string {
    let piece = this.pieces[id];
    if (piece === undefined) {
      piece = this.tokenizer.decode([id], {
        skip_special_tokens: false,
        clean_up_tokenization_spaces: false,
      });
      this.pieces[id] = piece;
    }
    return piece;
  }
}
