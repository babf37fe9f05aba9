import { Table } from '#arrow';
import { TokenizedNumbers } from '../compute/tokenize-numbers';
import { boolColumn, int64Column } from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS } from '../output/schemas';

/**
 * `sign-symmetry` rows for pairs (n, -n), n ≥ 1: does -n tokenize as one extra token followed by
 * exactly the tokens of n? `positives` and `negatives` hold the same pairs in the same order.
 */
export function signSymmetryTable(positives: TokenizedNumbers, negatives: TokenizedNumbers): Table {
  const count = positives.values.length;
  const countMatch = new Uint8Array(count);
  const idsMatch = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const p = positives.offsets[i];
    const pLength = positives.offsets[i + 1] - p;
    const n = negatives.offsets[i];
    const nLength = negatives.offsets[i + 1] - n;
    countMatch[i] = nLength === pLength + 1 ? 1 : 0;
    let same = countMatch[i];
    for (let t = 0; same && t < pLength; t++) if (negatives.ids[n + 1 + t] !== positives.ids[p + t]) same = 0;
    idsMatch[i] = same;
  }
  return tableOf(ANALYSIS_SCHEMAS['sign-symmetry'], [
    int64Column(positives.values),
    boolColumn(countMatch),
    boolColumn(idsMatch),
  ]);
}
