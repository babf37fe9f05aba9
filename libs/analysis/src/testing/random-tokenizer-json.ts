import { seededUniform } from '../compute/seeded-random';

const ALPHABET = '0123456789-,\u0120';

/**
 * A random byte-level BPE over the number alphabet, as odd as tokenizer.json allows: merges whose
 * result another pair also makes, pairs listed twice (the later rank counts), tokens no merge makes.
 */
export function randomTokenizerJson(seed: number, ignoreMerges: boolean, legacyMerges = false): object {
  const random = seededUniform(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const vocab: Record<string, number> = {};
  const tokens: string[] = [];
  const add = (token: string) => {
    if (vocab[token] === undefined) {
      vocab[token] = tokens.length;
      tokens.push(token);
    }
  };
  [...ALPHABET].forEach(add);
  const merges: [string, string][] = [];
  for (let m = 0; m < 600; m++) {
    if (m > 10 && random() < 0.05) {
      merges.push(pick(merges)); // listed again, later
      continue;
    }
    const left = pick(tokens.filter((t) => t.length <= 4));
    const right = random() < 0.6 ? pick([...ALPHABET]) : pick(tokens.filter((t) => t.length <= 3));
    add(left + right);
    merges.push([left, right]);
  }
  for (let extra = 0; extra < 40; extra++) {
    let token = '';
    for (let c = 1 + Math.floor(random() * 5); c > 0; c--) token += pick([...ALPHABET]);
    add(token);
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: ignoreMerges,
      vocab,
      // the legacy form: "left right" strings, where a "#version" line takes no rank
      merges: legacyMerges ? ['#version: 0.2', ...merges.map((pair) => pair.join(' '))] : merges,
    },
  };
}
