import type { PreTrainedTokenizer } from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { loadTransformers } from '../compute/transformers-runtime';
import { installMergeLookup } from './bpe-merge-lookup';

/** The one adapter over `@huggingface/transformers` tokenizers: encode without special tokens, decode one id. */
export class NumberTokenizer {
  private readonly pieces: (string | undefined)[] = [];
  private knownIds: Set<number> | undefined;

  private constructor(private readonly tokenizer: PreTrainedTokenizer) {}

  /** Loads `tokenizer.json` (+ `tokenizer_config.json`) from a model directory with AutoTokenizer. */
  static async load(dir: string): Promise<NumberTokenizer> {
    const { AutoTokenizer } = await loadTransformers();
    const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    // BPE merge ranks found without a string per lookup: the same ids, a quarter faster (bpe-merge-lookup.ts)
    installMergeLookup((tokenizer as unknown as { _tokenizer?: { model?: unknown } })._tokenizer?.model);
    return new NumberTokenizer(tokenizer);
  }

  /** Token ids of `text`, with no BOS/EOS or other special tokens added. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false });
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

  /** Whether the vocabulary (added tokens included) has a token of this id; padding rows of a matrix have none. */
  hasToken(id: number): boolean {
    this.knownIds ??= new Set(this.tokenizer.get_vocab().values());
    return this.knownIds.has(id);
  }
}
