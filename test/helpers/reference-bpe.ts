import { decode, encode } from 'gpt-3-encoder';

/**
 * GPT-2's byte-level BPE as OpenAI's original encoder implements it (`gpt-3-encoder`, a port of
 * encoder.py): the reference the tokenizer adapter over @huggingface/transformers is checked against.
 */
export function referenceIds(text: string): number[] {
  return encode(text);
}

/** One id decoded on its own. */
export function referencePiece(id: number): string {
  return decode([id]);
}

/** The text a number is tokenized as, as the README's semantics (see docs/architecture.md) define it, written out independently of formatNumber. */
export function referenceText(value: number, format: 'plain' | 'space'): string {
  return format === 'plain' ? `${value}` : ` ${value}`;
}

/** Every integer of `from..to`, inclusive. */
export function integers(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
