/** Names of the token-embedding tensor across model families, most specific first. */
export const EMBEDDING_TENSOR_NAMES = [
  'wte.weight',
  'transformer.wte.weight',
  'model.embed_tokens.weight',
  'embed_tokens.weight',
  'gpt_neox.embed_in.weight',
  'embed_in.weight',
  'embeddings.word_embeddings.weight',
  'bert.embeddings.word_embeddings.weight',
  'roberta.embeddings.word_embeddings.weight',
  'transformer.word_embeddings.weight',
  'model.decoder.embed_tokens.weight',
  'tok_embeddings.weight',
  'shared.weight',
  'word_embeddings.weight', // BLOOM stores its base model's tensors without a prefix
  'backbone.embeddings.weight', // Mamba
  'rwkv.embeddings.weight', // RWKV
];

/** Suffixes that mark an embedding tensor under a prefix the list above does not know. */
const EMBEDDING_SUFFIXES = [
  '.embed_tokens.weight',
  '.wte.weight',
  '.word_embeddings.weight',
  '.embed_in.weight',
  '.tok_embeddings.weight',
];

/** Picks the token-embedding tensor's name among a checkpoint's tensor names, or null. */
export function findEmbeddingTensorName(names: Iterable<string>): string | null {
  const all = [...names];
  const set = new Set(all);
  const exact = EMBEDDING_TENSOR_NAMES.find((name) => set.has(name));
  if (exact) return exact;
  return all.find((name) => EMBEDDING_SUFFIXES.some((suffix) => name.endsWith(suffix))) ?? null;
}
