import { describe, expect, it } from 'vitest';
import { findEmbeddingTensorName } from './embedding-tensor';

/** Tensor names as real checkpoints of each family store them, the embedding among its usual neighbours. */
const FAMILIES: [family: string, embedding: string, neighbours: string[]][] = [
  ['GPT-2', 'wte.weight', ['wpe.weight', 'h.0.attn.c_attn.weight', 'ln_f.weight']],
  [
    'GPT-2 (LM head checkpoint), GPT-J, GPT-Neo, MPT, StarCoder',
    'transformer.wte.weight',
    ['transformer.wpe.weight', 'transformer.h.0.ln_1.weight', 'lm_head.weight'],
  ],
  [
    'Llama, Mistral, Qwen 2/3, Gemma, Phi-3',
    'model.embed_tokens.weight',
    ['model.layers.0.self_attn.q_proj.weight', 'model.norm.weight', 'lm_head.weight'],
  ],
  [
    'Pythia / GPT-NeoX',
    'gpt_neox.embed_in.weight',
    ['embed_out.weight', 'gpt_neox.layers.0.attention.dense.weight', 'gpt_neox.final_layer_norm.weight'],
  ],
  [
    'BERT-style base model',
    'embeddings.word_embeddings.weight',
    [
      'embeddings.position_embeddings.weight',
      'embeddings.token_type_embeddings.weight',
      'embeddings.LayerNorm.weight',
    ],
  ],
  [
    'BERT',
    'bert.embeddings.word_embeddings.weight',
    ['bert.embeddings.position_embeddings.weight', 'cls.predictions.decoder.weight'],
  ],
  [
    'RoBERTa',
    'roberta.embeddings.word_embeddings.weight',
    ['roberta.embeddings.position_embeddings.weight', 'lm_head.decoder.weight'],
  ],
  [
    'Falcon',
    'transformer.word_embeddings.weight',
    ['transformer.h.0.self_attention.query_key_value.weight', 'lm_head.weight'],
  ],
  [
    'BLOOM',
    'word_embeddings.weight',
    [
      'word_embeddings_layernorm.weight',
      'word_embeddings_layernorm.bias',
      'h.0.input_layernorm.weight',
      'ln_f.weight',
    ],
  ],
  [
    'OPT',
    'model.decoder.embed_tokens.weight',
    ['model.decoder.embed_positions.weight', 'model.decoder.final_layer_norm.weight', 'lm_head.weight'],
  ],
  [
    'OPT base model',
    'decoder.embed_tokens.weight',
    ['decoder.embed_positions.weight', 'decoder.layers.0.fc1.weight'],
  ],
  [
    'Meta consolidated Llama',
    'tok_embeddings.weight',
    ['output.weight', 'layers.0.attention.wq.weight', 'norm.weight'],
  ],
  ['T5', 'shared.weight', ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight', 'lm_head.weight']],
  [
    'Mamba',
    'backbone.embeddings.weight',
    ['backbone.layers.0.mixer.in_proj.weight', 'backbone.norm_f.weight', 'lm_head.weight'],
  ],
  ['RWKV', 'rwkv.embeddings.weight', ['rwkv.blocks.0.ln1.weight', 'rwkv.ln_out.weight', 'head.weight']],
  ['Llama base model', 'embed_tokens.weight', ['layers.0.mlp.gate_proj.weight', 'norm.weight']],
  [
    'GPT-NeoX base model',
    'embed_in.weight',
    ['layers.0.attention.query_key_value.weight', 'final_layer_norm.weight'],
  ],
  [
    'Phi-1/2 (original)',
    'transformer.embd.wte.weight',
    ['transformer.h.0.mixer.Wqkv.weight', 'lm_head.linear.weight'],
  ],
  [
    'ChatGLM',
    'transformer.embedding.word_embeddings.weight',
    ['transformer.encoder.layers.0.input_layernorm.weight', 'transformer.output_layer.weight'],
  ],
  [
    'DistilBERT',
    'distilbert.embeddings.word_embeddings.weight',
    ['distilbert.embeddings.position_embeddings.weight', 'vocab_projector.weight'],
  ],
  [
    'Gemma 3 multimodal',
    'language_model.model.embed_tokens.weight',
    ['vision_tower.vision_model.embeddings.patch_embedding.weight', 'language_model.model.norm.weight'],
  ],
];

describe(findEmbeddingTensorName.name, () => {
  it.each(FAMILIES)('finds the embedding of %s (%s)', (_family, embedding, neighbours) => {
    // Header order must not matter: the embedding first, last, or in the middle.
    for (const names of [
      [embedding, ...neighbours],
      [...neighbours, embedding],
      [neighbours[0], embedding, ...neighbours.slice(1)],
    ]) {
      expect(findEmbeddingTensorName(names)).toBe(embedding);
    }
  });

  it('takes any iterable, such as a header map', () => {
    const header = new Map([
      ['wpe.weight', 1],
      ['wte.weight', 2],
    ]);
    expect(findEmbeddingTensorName(header.keys())).toBe('wte.weight');
  });

  it.each([
    [[]],
    [['wpe.weight', 'ln_f.weight', 'h.0.attn.c_attn.weight']],
    [['lm_head.weight', 'embed_out.weight', 'output.weight']],
    [['embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight']],
    [['model.embed_positions.weight', 'transformer.wpe.weight', 'model.vision_embed_tokens.weight']],
    [['model.embed_tokens.bias', 'wte.weight_scale', 'model.embed_tokens.weight.absmax']],
    [['vision_model.embeddings.patch_embedding.weight', 'model.norm.weight']],
  ])('finds none among the decoys %j', (names) => {
    expect(findEmbeddingTensorName(names)).toBeNull();
  });
});
