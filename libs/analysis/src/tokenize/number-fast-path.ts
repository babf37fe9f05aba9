import { isNumberChar, isNumberToken, NumberBpeSource } from './number-bpe';
import { GPT2_PATTERN, isNumberAlphabet, KNOWN_SPLIT_PATTERNS, NumberSplitRule } from './number-split';

/** What the exact number tokenizer needs from a tokenizer.json: its splits and its BPE. */
export interface FastPathPlan {
  splits: NumberSplitRule[];
  bpe: NumberBpeSource;
}

/** Whether the exact path applies to a tokenizer.json, and if not, why. */
export type FastPathDecision = { exact: true; plan: FastPathPlan } | { exact: false; reason: string };

type Json = Record<string, unknown>;

// On digits, '-', ',' and space (all ASCII) these normalize nothing.
const NEUTRAL_NORMALIZERS = new Set(['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase']);

/**
 * Reads a tokenizer.json and decides whether numbers tokenize through it exactly as the Rust
 * reference would with the project's fast path: a byte-level BPE whose normalizer leaves numbers as
 * they are, whose pre-tokenizer is a known split followed by ByteLevel, and whose added tokens never
 * occur in a number. Anything else is named as the reason to use the full tokenizer.
 */
export function planNumberFastPath(json: unknown): FastPathDecision {
  try {
    return { exact: true, plan: plan(json as Json) };
  } catch (error) {
    if (error instanceof NotCovered) return { exact: false, reason: error.message };
    throw error;
  }
}

class NotCovered extends Error {}

function refuse(reason: string): never {
  throw new NotCovered(reason);
}

function plan(json: Json): FastPathPlan {
  if (!json || typeof json !== 'object') refuse('tokenizer.json is not an object');
  checkNormalizer(json.normalizer as Json | null);
  const splits = splitRules(json.pre_tokenizer as Json | null);
  checkAddedTokens(json.added_tokens);
  const decoder = json.decoder as Json | null;
  // the `tokens` column decodes each id on its own: byte-level decoding of digits, signs and spaces
  if (decoder?.type !== 'ByteLevel') refuse(`decoder ${describe(decoder)} is not ByteLevel`);
  if (json.padding) refuse('padding is set');
  const truncation = json.truncation as Json | null;
  // a number is at most 24 characters, so at most 24 tokens: only a truncation below that could cut one
  if (truncation && !(Number(truncation.max_length) >= 64))
    refuse(`truncation to ${String(truncation.max_length)} tokens`);
  // The post-processor adds no token when special tokens are not added (the only way numbers are
  // encoded), and ByteLevel's post-processing only moves offsets: it never changes ids.
  return { splits, bpe: bpeSource(json.model as Json) };
}

function describe(part: Json | null | undefined): string {
  return part ? String(part.type) : 'none';
}

function checkNormalizer(normalizer: Json | null): void {
  if (!normalizer) return;
  const parts =
    normalizer.type === 'Sequence' ? ((normalizer.normalizers as Json[] | undefined) ?? []) : [normalizer];
  for (const part of parts)
    if (!NEUTRAL_NORMALIZERS.has(String(part?.type))) refuse(`normalizer ${describe(part)} is not covered`);
}

function splitRules(preTokenizer: Json | null): NumberSplitRule[] {
  if (!preTokenizer) refuse('no pre-tokenizer (not byte-level)');
  const steps =
    preTokenizer.type === 'Sequence'
      ? ((preTokenizer.pretokenizers as Json[] | undefined) ?? [])
      : [preTokenizer];
  const rules: NumberSplitRule[] = [];
  steps.forEach((step, index) => {
    if (step?.type === 'Split') {
      const pattern = (step.pattern as Json | undefined)?.Regex;
      const rule = typeof pattern === 'string' ? KNOWN_SPLIT_PATTERNS.get(pattern) : undefined;
      if (!rule) refuse(`Split pattern ${JSON.stringify(step.pattern)} is not a known one`);
      if (step.behavior !== 'Isolated' || step.invert !== false)
        refuse(`Split behavior ${String(step.behavior)}${step.invert ? ', inverted' : ''} is not covered`);
      rules.push(rule);
    } else if (step?.type === 'ByteLevel') {
      // after ByteLevel a space is `Ġ`, a letter to any later regex: it must come last
      if (index !== steps.length - 1) refuse('ByteLevel is not the last pre-tokenizer');
      if (step.add_prefix_space !== false) refuse('ByteLevel adds a prefix space');
      if (step.use_regex === true) rules.push(KNOWN_SPLIT_PATTERNS.get(GPT2_PATTERN)!);
      else if (step.use_regex !== false) refuse('ByteLevel does not say whether it splits');
    } else {
      refuse(`pre-tokenizer ${describe(step)} is not covered`);
    }
  });
  if (steps.at(-1)?.type !== 'ByteLevel') refuse('the pre-tokenizer is not byte-level');
  return rules;
}

function checkAddedTokens(added: unknown): void {
  if (added === undefined || added === null) return;
  if (!Array.isArray(added)) refuse('added_tokens is not a list');
  for (const token of added as Json[]) {
    const content = String(token?.content ?? '');
    // a token of other characters can never match inside a number's text
    if (content.length > 0 && [...content].every((c) => isNumberAlphabet(c.charCodeAt(0))))
      refuse(`added token ${JSON.stringify(content)} can occur in a number`);
  }
}

function bpeSource(model: Json | undefined): NumberBpeSource {
  if (model?.type !== 'BPE') refuse(`model ${describe(model)} is not BPE`);
  if (model.dropout !== null && model.dropout !== undefined && model.dropout !== 0)
    refuse(`BPE dropout ${String(model.dropout)} (random merges)`);
  if (model.continuing_subword_prefix) refuse('a continuing-subword prefix');
  if (model.end_of_word_suffix) refuse('an end-of-word suffix');
  // unk_token, fuse_unk and byte_fallback only act on a character missing from the vocabulary;
  // NumberBpe refuses a vocabulary missing any character of a number, so they never act here.
  const vocab = model.vocab as Record<string, unknown> | undefined;
  if (!vocab || typeof vocab !== 'object') refuse('the BPE has no vocabulary');
  const numberVocab: [string, number][] = [];
  for (const token in vocab) {
    if (!isNumberChar(token.charCodeAt(0)) || !isNumberToken(token)) continue;
    const id = vocab[token];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
      refuse(`token ${JSON.stringify(token)} has id ${String(id)}`);
    numberVocab.push([token, id]);
  }
  if (!Array.isArray(model.merges)) refuse('the BPE has no merges');
  // Only merges of two number tokens can ever apply to a number; the rest are left out (most at
  // their first character). The rank is the merge's index, "#version" lines of the legacy form aside.
  const merges: [string, string, number][] = [];
  let rank = 0;
  for (const merge of model.merges as unknown[]) {
    if (typeof merge === 'string') {
      if (merge.startsWith('#version')) continue;
      const space = numberMergeSpace(merge);
      if (space > 0) merges.push([merge.slice(0, space), merge.slice(space + 1), rank]);
    } else if (
      Array.isArray(merge) &&
      merge.length === 2 &&
      typeof merge[0] === 'string' &&
      typeof merge[1] === 'string'
    ) {
      const [left, right] = merge as [string, string];
      if (isNumberToken(left) && isNumberToken(right)) merges.push([left, right, rank]);
    } else {
      refuse(`merge ${JSON.stringify(merge)} is not a pair`);
    }
    rank++;
  }
  return { vocab: numberVocab, merges, ignoreMerges: model.ignore_merges === true };
}

/**
 * Where the one space of a legacy merge "left right" is when both sides are number tokens; -1 at
 * the first character that shows they are not (most merges: at their first or second).
 */
function numberMergeSpace(merge: string): number {
  let space = -1;
  for (let i = 0; i < merge.length; i++) {
    const c = merge.charCodeAt(i);
    if (isNumberChar(c)) continue;
    if (c !== 0x20) return -1;
    if (space >= 0) refuse(`merge ${JSON.stringify(merge)} is not a pair`);
    space = i;
  }
  if (space <= 0 || space === merge.length - 1) refuse(`merge ${JSON.stringify(merge)} is not a pair`);
  return space;
}
