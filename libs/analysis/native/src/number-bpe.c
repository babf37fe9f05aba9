/*
 * The exact number tokenizer in C (see number-bpe.h): the same steps as ExactNumberTokenizer.encodeInto
 * and NumberBpe.encode, on bytes instead of strings, for a whole chunk in one call.
 */
#include "number-bpe.h"

#include <stdlib.h>
#include <string.h>

/* Pieces and texts are far shorter: a number formats to at most 22 characters ("-9,007,199,254,740,991"). */
#define MAX_TEXT 64
/* Pieces up to this length are tokenized once and then read from a table (CACHED_PIECE). */
#define CACHED_PIECE 4
#define CACHE_SLOTS (1 << (4 * CACHED_PIECE))
/* Room kept for one formatted number's characters (22 at most), and for its ids, never more. */
#define MAX_NUMBER_TEXT 24

struct number_bpe {
  size_t local_count;
  int32_t *global_ids;
  uint8_t *token_bytes;
  int32_t *token_ends;
  int32_t char_local[128];
  uint32_t merge_mask;
  int32_t *merge_keys;
  int32_t *merge_ranks;
  int32_t *merge_results;
  int ignore_merges;
  /* the tokens by their characters, for ignore_merges: local id + 1 per slot, 0 when empty */
  uint32_t token_mask;
  int32_t *token_slots;
  size_t split_count;
  number_split_rule splits[8];
  /* short pieces tokenized once: where their ids start in `pool` (+1, 0 = not yet) and how many */
  int32_t cache_start[CACHE_SLOTS];
  uint8_t cache_count[CACHE_SLOTS];
  int32_t *pool;
  size_t pooled, pool_capacity;
  /* the last batch: offsets for `number_capacity` numbers, ids and text bytes grown as they fill */
  int32_t *offsets, *text_ends, *ids;
  uint8_t *text;
  size_t number_capacity, id_capacity, text_capacity;
};

/* 1..13 for ' ', ',', '-', '0'..'9', so that a key of short pieces is never 0 nor ambiguous. */
static int alphabet_index(uint8_t c) {
  if (c == ' ') return 1;
  if (c == ',') return 2;
  if (c == '-') return 3;
  return c - '0' + 4;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_punctuation(int c) { return c == '-' || c == ','; }

static void *copy_of(const void *from, size_t bytes) {
  void *to = malloc(bytes ? bytes : 1);
  if (to && bytes) memcpy(to, from, bytes);
  return to;
}

static uint32_t hash_bytes(const uint8_t *bytes, size_t length) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < length; i++) h = (h ^ bytes[i]) * 16777619u;
  return h;
}

static const uint8_t *token_of(const number_bpe *bpe, int32_t local, size_t *length) {
  const int32_t start = local == 0 ? 0 : bpe->token_ends[local - 1];
  *length = (size_t)(bpe->token_ends[local] - start);
  return bpe->token_bytes + start;
}

/* The slot of the token with these characters, or of the empty slot where it would go. */
static uint32_t token_slot(const number_bpe *bpe, const uint8_t *bytes, size_t length) {
  for (uint32_t slot = hash_bytes(bytes, length);; slot++) {
    slot &= bpe->token_mask;
    const int32_t held = bpe->token_slots[slot];
    if (held == 0) return slot;
    size_t held_length;
    const uint8_t *held_bytes = token_of(bpe, held - 1, &held_length);
    if (held_length == length && memcmp(held_bytes, bytes, length) == 0) return slot;
  }
}

static int build_token_table(number_bpe *bpe) {
  size_t capacity = 16;
  while (capacity < bpe->local_count * 2) capacity *= 2;
  bpe->token_mask = (uint32_t)(capacity - 1);
  bpe->token_slots = calloc(capacity, sizeof(int32_t));
  if (!bpe->token_slots) return 0;
  for (size_t local = 0; local < bpe->local_count; local++) {
    size_t length;
    const uint8_t *bytes = token_of(bpe, (int32_t)local, &length);
    const uint32_t slot = token_slot(bpe, bytes, length);
    if (bpe->token_slots[slot] == 0) bpe->token_slots[slot] = (int32_t)local + 1;
  }
  return 1;
}

number_bpe *number_bpe_create(const number_bpe_tables *t) {
  if (t->split_count > sizeof ((number_bpe *)0)->splits / sizeof(number_split_rule)) return NULL;
  number_bpe *bpe = calloc(1, sizeof *bpe);
  if (!bpe) return NULL;
  const size_t locals = t->local_count;
  const size_t token_length = locals ? (size_t)t->token_ends[locals - 1] : 0;
  bpe->local_count = locals;
  bpe->global_ids = copy_of(t->global_ids, locals * sizeof(int32_t));
  bpe->token_bytes = copy_of(t->token_bytes, token_length);
  bpe->token_ends = copy_of(t->token_ends, locals * sizeof(int32_t));
  memcpy(bpe->char_local, t->char_local, sizeof bpe->char_local);
  bpe->merge_mask = (uint32_t)(t->merge_capacity - 1);
  bpe->merge_keys = copy_of(t->merge_keys, t->merge_capacity * sizeof(int32_t));
  bpe->merge_ranks = copy_of(t->merge_ranks, t->merge_capacity * sizeof(int32_t));
  bpe->merge_results = copy_of(t->merge_results, t->merge_capacity * sizeof(int32_t));
  bpe->ignore_merges = t->ignore_merges;
  bpe->split_count = t->split_count;
  memcpy(bpe->splits, t->splits, t->split_count * sizeof(number_split_rule));
  bpe->pool_capacity = 4096;
  bpe->pool = malloc(bpe->pool_capacity * sizeof(int32_t));
  if (!bpe->global_ids || !bpe->token_bytes || !bpe->token_ends || !bpe->merge_keys || !bpe->merge_ranks ||
      !bpe->merge_results || !bpe->pool || !build_token_table(bpe)) {
    number_bpe_free(bpe);
    return NULL;
  }
  return bpe;
}

void number_bpe_free(number_bpe *bpe) {
  if (!bpe) return;
  free(bpe->global_ids);
  free(bpe->token_bytes);
  free(bpe->token_ends);
  free(bpe->merge_keys);
  free(bpe->merge_ranks);
  free(bpe->merge_results);
  free(bpe->token_slots);
  free(bpe->pool);
  free(bpe->offsets);
  free(bpe->text_ends);
  free(bpe->ids);
  free(bpe->text);
  free(bpe);
}

/* The slot of the merge of (left, right), or -1 when they do not merge (NumberBpe.merge). */
static int32_t merge_slot(const number_bpe *bpe, int32_t left, int32_t right) {
  const int32_t key = (int32_t)((uint32_t)left * (uint32_t)bpe->local_count + (uint32_t)right + 1u);
  for (uint32_t slot = (uint32_t)key * 0x9e3779b1u;; slot++) {
    slot &= bpe->merge_mask;
    const int32_t held = bpe->merge_keys[slot];
    if (held == key) return (int32_t)slot;
    if (held == 0) return -1;
  }
}

/* Global ids of the piece `text[0..length)` into `out`; returns how many (NumberBpe.encode). */
static size_t encode_piece(const number_bpe *bpe, const uint8_t *text, size_t length, int32_t *out) {
  if (bpe->ignore_merges) {
    const int32_t whole = bpe->token_slots[token_slot(bpe, text, length)];
    if (whole != 0) {
      out[0] = bpe->global_ids[whole - 1];
      return 1;
    }
  }
  int32_t symbols[MAX_TEXT], next[MAX_TEXT], prev[MAX_TEXT];
  int32_t queue_rank[MAX_TEXT * 4], queue_pos[MAX_TEXT * 4], queue_result[MAX_TEXT * 4];
  const int32_t n = (int32_t)length;
  for (int32_t i = 0; i < n; i++) {
    symbols[i] = bpe->char_local[text[i]];
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  int32_t queued = 0;
  for (int32_t i = 0; i + 1 < n; i++) {
    const int32_t slot = merge_slot(bpe, symbols[i], symbols[i + 1]);
    if (slot < 0) continue;
    queue_rank[queued] = bpe->merge_ranks[slot];
    queue_pos[queued] = i;
    queue_result[queued++] = bpe->merge_results[slot];
  }
  while (queued > 0) {
    /* the least (rank, position) */
    int32_t best = 0;
    for (int32_t q = 1; q < queued; q++)
      if (queue_rank[q] < queue_rank[best] || (queue_rank[q] == queue_rank[best] && queue_pos[q] < queue_pos[best]))
        best = q;
    const int32_t pos = queue_pos[best];
    const int32_t result = queue_result[best];
    queued--;
    queue_rank[best] = queue_rank[queued];
    queue_pos[best] = queue_pos[queued];
    queue_result[best] = queue_result[queued];
    if (symbols[pos] < 0 || next[pos] >= n) continue;
    const int32_t right = next[pos];
    const int32_t current = merge_slot(bpe, symbols[pos], symbols[right]);
    if (current < 0 || bpe->merge_results[current] != result) continue; /* an expired entry */
    symbols[pos] = result;
    symbols[right] = -1;
    next[pos] = next[right];
    if (next[right] < n) prev[next[right]] = pos;
    if (prev[pos] >= 0) {
      const int32_t slot = merge_slot(bpe, symbols[prev[pos]], result);
      if (slot >= 0) {
        queue_rank[queued] = bpe->merge_ranks[slot];
        queue_pos[queued] = prev[pos];
        queue_result[queued++] = bpe->merge_results[slot];
      }
    }
    if (next[pos] < n) {
      const int32_t slot = merge_slot(bpe, result, symbols[next[pos]]);
      if (slot >= 0) {
        queue_rank[queued] = bpe->merge_ranks[slot];
        queue_pos[queued] = pos;
        queue_result[queued++] = bpe->merge_results[slot];
      }
    }
  }
  size_t count = 0;
  for (int32_t i = 0; i < n; i = next[i]) out[count++] = bpe->global_ids[symbols[i]];
  return count;
}

/* A short piece's ids, tokenized the first time it is seen (ExactNumberTokenizer.cachedPiece); -1 when out of memory. */
static long cached_piece(number_bpe *bpe, const uint8_t *text, size_t length, int32_t *out) {
  uint32_t key = 0;
  for (size_t i = 0; i < length; i++) key = (key << 4) | (uint32_t)alphabet_index(text[i]);
  int32_t start = bpe->cache_start[key];
  if (start == 0) {
    if (bpe->pooled + CACHED_PIECE > bpe->pool_capacity) {
      int32_t *grown = realloc(bpe->pool, bpe->pool_capacity * 2 * sizeof(int32_t));
      if (!grown) return -1;
      bpe->pool = grown;
      bpe->pool_capacity *= 2;
    }
    const size_t count = encode_piece(bpe, text, length, bpe->pool + bpe->pooled);
    bpe->cache_count[key] = (uint8_t)count;
    bpe->cache_start[key] = start = (int32_t)bpe->pooled + 1;
    bpe->pooled += count;
  }
  const size_t count = bpe->cache_count[key];
  memcpy(out, bpe->pool + start - 1, count * sizeof(int32_t));
  return (long)count;
}

/* Splits `text[from..to)` as the rule's regex would (splitPieces); appends piece ends, returns the count. */
static size_t split_pieces(const uint8_t *text, int32_t from, int32_t to, const number_split_rule *rule,
                           int32_t *ends, size_t count) {
  int32_t i = from;
  while (i < to) {
    const int code = text[i];
    const int following = i + 1 < to ? text[i + 1] : -1;
    int32_t end;
    if (is_digit(code) || (code == ' ' && rule->space_joins_digits && is_digit(following))) {
      end = code == ' ' ? i + 1 : i;
      const int32_t limit =
          rule->digits_per_piece == 0 || to - end < rule->digits_per_piece ? to : end + rule->digits_per_piece;
      while (end < limit && is_digit(text[end])) end++;
    } else if (is_punctuation(code) || (code == ' ' && is_punctuation(following))) {
      end = i + 1;
      while (end < to && is_punctuation(text[end])) end++;
    } else {
      /* a run of spaces: the last one goes to what follows, unless nothing follows or it is alone */
      int32_t run = i + 1;
      while (run < to && text[run] == ' ') run++;
      end = run == to || run - i == 1 ? run : run - 1;
    }
    ends[count++] = end;
    i = end;
  }
  return count;
}

/* Formats a safe integer as `format` into `out`; its length, or 0 when `value` is not a safe integer. */
static size_t format_number(double value, number_format format, uint8_t *out) {
  if (!(value >= -9007199254740991.0 && value <= 9007199254740991.0) || value != (double)(int64_t)value) return 0;
  const int64_t whole = (int64_t)value;
  uint64_t magnitude = whole < 0 ? (uint64_t)0 - (uint64_t)whole : (uint64_t)whole;
  uint8_t digits[20];
  int count = 0;
  do {
    digits[count++] = (uint8_t)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude);
  size_t length = 0;
  if (format == NUMBER_SPACE) out[length++] = ' ';
  if (whole < 0) out[length++] = '-';
  for (int i = count - 1; i >= 0; i--) {
    out[length++] = digits[i];
    if (format == NUMBER_COMMA && i > 0 && i % 3 == 0) out[length++] = ',';
  }
  return length;
}

/* Room for the offsets of `count` numbers. */
static int reserve_numbers(number_bpe *bpe, size_t count) {
  if (bpe->offsets && bpe->text_ends && count <= bpe->number_capacity) return 1;
  int32_t *offsets = realloc(bpe->offsets, (count + 1) * sizeof(int32_t));
  if (offsets) bpe->offsets = offsets;
  int32_t *text_ends = realloc(bpe->text_ends, (count + 1) * sizeof(int32_t));
  if (text_ends) bpe->text_ends = text_ends;
  if (!offsets || !text_ends) return 0;
  bpe->number_capacity = count;
  return 1;
}

/*
 * Room for one more number's ids after `ids_used` and its text after `text_used`, doubling as they
 * fill: a batch keeps about what it needs (a few ids and bytes a number), not the worst case.
 */
static int reserve_number(number_bpe *bpe, size_t ids_used, size_t text_used) {
  if (ids_used + MAX_NUMBER_TEXT > bpe->id_capacity) {
    const size_t capacity = 2 * bpe->id_capacity + 4 * MAX_NUMBER_TEXT;
    int32_t *ids = realloc(bpe->ids, capacity * sizeof(int32_t));
    if (!ids) return 0;
    bpe->ids = ids;
    bpe->id_capacity = capacity;
  }
  if (text_used + MAX_NUMBER_TEXT > bpe->text_capacity) {
    const size_t capacity = 2 * bpe->text_capacity + 4 * MAX_NUMBER_TEXT;
    uint8_t *text = realloc(bpe->text, capacity);
    if (!text) return 0;
    bpe->text = text;
    bpe->text_capacity = capacity;
  }
  return 1;
}

number_bpe_status number_bpe_encode(number_bpe *bpe, const double *values, size_t count, number_format format,
                                    number_bpe_batch *batch, size_t *failed_at) {
  if (!reserve_numbers(bpe, count) || !reserve_number(bpe, 0, 0)) return NUMBER_BPE_NO_MEMORY;
  int32_t ends_a[MAX_TEXT], ends_b[MAX_TEXT];
  size_t id_count = 0, text_length = 0;
  bpe->offsets[0] = 0;
  bpe->text_ends[0] = 0;
  for (size_t n = 0; n < count; n++) {
    if (!reserve_number(bpe, id_count, text_length)) return NUMBER_BPE_NO_MEMORY;
    uint8_t *text = bpe->text + text_length;
    const size_t length = format_number(values[n], format, text);
    if (length == 0) {
      *failed_at = n;
      return NUMBER_BPE_NOT_SAFE_INTEGER;
    }
    /* each split works on every piece the one before it made, on its own */
    int32_t *ends = ends_a;
    size_t pieces = 1;
    ends[0] = (int32_t)length;
    for (size_t s = 0; s < bpe->split_count; s++) {
      int32_t *regrouped = ends == ends_a ? ends_b : ends_a;
      size_t regrouped_count = 0;
      int32_t from = 0;
      for (size_t p = 0; p < pieces; p++) {
        regrouped_count = split_pieces(text, from, ends[p], &bpe->splits[s], regrouped, regrouped_count);
        from = ends[p];
      }
      ends = regrouped;
      pieces = regrouped_count;
    }
    int32_t from = 0;
    for (size_t p = 0; p < pieces; p++) {
      const size_t piece = (size_t)(ends[p] - from);
      int32_t *out = bpe->ids + id_count;
      if (piece <= CACHED_PIECE) {
        const long written = cached_piece(bpe, text + from, piece, out);
        if (written < 0) return NUMBER_BPE_NO_MEMORY;
        id_count += (size_t)written;
      } else {
        id_count += encode_piece(bpe, text + from, piece, out);
      }
      from = ends[p];
    }
    text_length += length;
    bpe->offsets[n + 1] = (int32_t)id_count;
    bpe->text_ends[n + 1] = (int32_t)text_length;
  }
  batch->offsets = bpe->offsets;
  batch->ids = bpe->ids;
  batch->id_count = id_count;
  batch->text_ends = bpe->text_ends;
  batch->text = bpe->text;
  batch->text_length = text_length;
  return NUMBER_BPE_OK;
}
