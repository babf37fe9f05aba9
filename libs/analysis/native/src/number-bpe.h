#ifndef TOKENSWEEP_NUMBER_BPE_H
#define TOKENSWEEP_NUMBER_BPE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The exact number tokenizer of number-bpe.ts and exact-number-tokenizer.ts, in C: numbers formatted,
 * split by the pre-tokenizer's rules and merged by byte-level BPE, with the same tables and the same
 * merge order (the Rust reference's), so it gives the ids the JavaScript definition gives. The tables
 * are the ones NumberBpe builds from a tokenizer.json; this side only copies them.
 */

/* How a split regex groups what numbers contain (NumberSplitRule): digits per piece, 0 for no limit. */
typedef struct {
  int32_t digits_per_piece;
  int32_t space_joins_digits;
} number_split_rule;

/* What NumberBpe hands over: its local tokens, merge table and the tokenizer's splits. */
typedef struct {
  size_t local_count;
  const int32_t *global_ids;   /* [local_count]: the vocabulary id of each local id */
  const uint8_t *token_bytes;  /* each local token's characters end to end, `Ġ` as a space */
  const int32_t *token_ends;   /* [local_count]: where each local token's characters end */
  const int32_t *char_local;   /* [128]: the local id of each ASCII character of the alphabet, -1 if none */
  size_t merge_capacity;       /* a power of two: the merge table's slots */
  const int32_t *merge_keys;   /* left * local_count + right + 1, 0 for an empty slot */
  const int32_t *merge_ranks;
  const int32_t *merge_results;
  int ignore_merges;
  size_t split_count;
  const number_split_rule *splits;
} number_bpe_tables;

typedef struct number_bpe number_bpe;

typedef enum { NUMBER_PLAIN = 0, NUMBER_SPACE = 1, NUMBER_COMMA = 2 } number_format;

/* A tokenizer over copies of `tables`; NULL when out of memory. */
number_bpe *number_bpe_create(const number_bpe_tables *tables);
void number_bpe_free(number_bpe *bpe);

/* What encoding a batch of numbers gave, in memory the tokenizer keeps until its next batch. */
typedef struct {
  const int32_t *offsets;    /* [count + 1]: number i's ids are ids[offsets[i]..offsets[i + 1]) */
  const int32_t *ids;
  size_t id_count;
  const int32_t *text_ends;  /* [count + 1]: number i's text is text[text_ends[i]..text_ends[i + 1]) */
  const uint8_t *text;
  size_t text_length;
} number_bpe_batch;

typedef enum { NUMBER_BPE_OK = 0, NUMBER_BPE_NOT_SAFE_INTEGER, NUMBER_BPE_NO_MEMORY } number_bpe_status;

/*
 * Formats `values[0..count)` (safe integers) as `format` and tokenizes each text. On
 * NUMBER_BPE_NOT_SAFE_INTEGER, `*failed_at` is the index of the value that is not one.
 */
number_bpe_status number_bpe_encode(number_bpe *bpe, const double *values, size_t count, number_format format,
                                    number_bpe_batch *batch, size_t *failed_at);

#endif
