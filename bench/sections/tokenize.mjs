// a. Tokenization: tokenizeNumbers (the native batch) against its JavaScript definition, the plain
// AutoTokenizer loop and gpt-tokenizer's r50k_base.
import { lib, median, now, require, round, row } from '../lib/common.mjs';

const RANGE = 1_000_000;
const BLOCK = 100_000;
const RUNS = 5;

/**
 * For each format, one sequential pass over 0..999,999 (each tokenizer's caches see the range in
 * order, as in a sweep). Each 100k block is cut into five 20k slices that the three tokenizers take
 * in turn (a load spike hits all three alike); slice k of every block makes up run k, so the five runs
 * each span the whole range and their median is the per-core rate. Every id is compared.
 */
export async function tokenizeSection(ctx) {
  const { NumberTokenizer } = lib('models/tokenizer');
  const { tokenizeNumbers } = lib('compute/tokenize-numbers');
  const { formatNumber } = lib('compute/format-number');
  const { encodeOneByOne } = lib('tokenize/encoded-numbers');
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const r50k = require('gpt-tokenizer/encoding/r50k_base');

  const ours = await NumberTokenizer.load(ctx.modelDir);
  const auto = await AutoTokenizer.from_pretrained(ctx.modelDir, { local_files_only: true });
  const range = ctx.quick ? RANGE / 10 : RANGE;
  const block = ctx.quick ? BLOCK / 10 : BLOCK;
  const slice = block / RUNS;

  const contenders = {
    ours: (values, format) => tokenizeNumbers(ours, values, format),
    // the same tables, one text at a time in JavaScript: what the native batch ports
    definition: (values, format) => encodeOneByOne(ours, values, format),
    // the straightforward loop: format, encode, keep the array
    auto: (values, format) => {
      const out = new Array(values.length);
      for (let i = 0; i < values.length; i++)
        out[i] = auto.encode(formatNumber(values[i], format), { add_special_tokens: false });
      return out;
    },
    gptTokenizer: (values, format) => {
      const out = new Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = r50k.encode(formatNumber(values[i], format));
      return out;
    },
  };
  const names = Object.keys(contenders);
  const rows = [];
  const details = {};
  for (const format of ['plain', 'space']) {
    // warm-up on numbers outside the range, so no cache starts with the range's numbers
    const warm = Float64Array.from({ length: 5_000 }, (_, i) => 2_000_000 + i);
    for (const name of names) contenders[name](warm, format);

    const blockMs = Object.fromEntries(names.map((n) => [n, []]));
    const runMs = Object.fromEntries(names.map((n) => [n, new Array(RUNS).fill(0)]));
    let mismatches = 0;
    let firstMismatch = null;
    let tokensTotal = 0;
    const kept = [];
    for (let from = 0; from < range; from += block) {
      const spent = Object.fromEntries(names.map((n) => [n, 0]));
      for (let run = 0; run < RUNS; run++) {
        const values = Float64Array.from({ length: slice }, (_, i) => from + run * slice + i);
        const results = {};
        for (const name of names) {
          const start = now();
          results[name] = contenders[name](values, format);
          const ms = now() - start;
          spent[name] += ms;
          runMs[name][run] += ms;
        }
        const { offsets, ids } = results.ours;
        tokensTotal += ids.length;
        const definition = results.definition;
        if (
          definition.ids.length !== ids.length ||
          definition.ids.some((id, t) => id !== ids[t]) ||
          definition.offsets.some((o, i) => o !== offsets[i])
        ) {
          mismatches++;
          firstMismatch ??= { slice: [values[0], values[values.length - 1]], format, against: 'definition' };
        }
        for (let i = 0; i < values.length; i++) {
          const mine = ids.subarray(offsets[i], offsets[i + 1]);
          for (const other of ['auto', 'gptTokenizer']) {
            const theirs = results[other][i];
            if (theirs.length !== mine.length || theirs.some((id, t) => id !== mine[t])) {
              mismatches++;
              firstMismatch ??= { number: values[i], format, ours: [...mine], [other]: theirs };
            }
          }
        }
        if (format === 'plain') kept.push(results.ours);
      }
      for (const name of names) blockMs[name].push(spent[name]);
    }
    if (ctx.keepTokens) for (const part of kept) ctx.keepTokens(part);
    const sampleRuns = Object.fromEntries(
      names.map((n) => [n, runMs[n].map((ms) => range / RUNS / (ms / 1000))]),
    );
    const perCore = Object.fromEntries(names.map((n) => [n, median(sampleRuns[n])]));
    const whole = Object.fromEntries(
      names.map((n) => [n, range / (blockMs[n].reduce((a, b) => a + b, 0) / 1000)]),
    );
    const perBlock = Object.fromEntries(
      names.map((n) => [n, blockMs[n].map((ms) => Math.round(block / (ms / 1000)))]),
    );
    details[format] = {
      perCoreMedian: perCore,
      sampleRuns,
      wholeRange: whole,
      perBlockRate: perBlock,
      mismatches,
      firstMismatch,
      tokens: tokensTotal,
    };

    rows.push(
      row(
        `a.${format}.js`,
        `tokenize ${format}: numbers/s/core vs its JavaScript definition`,
        round(perCore.ours, 0),
        'n/s',
        {
          anchor: 'the same tables, one text at a time in JavaScript',
          anchorValue: round(perCore.definition, 0),
          ratio: round(perCore.ours / perCore.definition, 2),
        },
      ),
      row(
        `a.${format}.auto`,
        `tokenize ${format}: numbers/s/core vs AutoTokenizer loop`,
        round(perCore.ours, 0),
        'n/s',
        {
          anchor: 'AutoTokenizer.encode loop',
          anchorValue: round(perCore.auto, 0),
          ratio: round(perCore.ours / perCore.auto, 2),
          note: `ids equal on all ${range.toLocaleString('en')}: ${mismatches === 0 ? 'yes' : `NO (${mismatches})`}`,
        },
      ),
      row(
        `a.${format}.gpt`,
        `tokenize ${format}: numbers/s/core vs gpt-tokenizer`,
        round(perCore.ours, 0),
        'n/s',
        {
          anchor: 'gpt-tokenizer r50k_base',
          anchorValue: round(perCore.gptTokenizer, 0),
          ratio: round(perCore.ours / perCore.gptTokenizer, 2),
        },
      ),
      row(
        `a.${format}.blocks`,
        `tokenize ${format}: per-100k block, min..max (whole range)`,
        `${minMax(perBlock.ours)}`,
        'n/s',
        {
          anchor: 'gpt-tokenizer per block',
          anchorValue: minMax(perBlock.gptTokenizer),
          ratio: round(whole.ours / whole.gptTokenizer, 2),
          note: `whole range ${Math.round(whole.ours)} vs ${Math.round(whole.gptTokenizer)} n/s (AutoTokenizer ${Math.round(whole.auto)})`,
        },
      ),
    );
  }
  return { rows, details };
}

function minMax(values) {
  return `${Math.round(Math.min(...values) / 1000)}k..${Math.round(Math.max(...values) / 1000)}k`;
}
