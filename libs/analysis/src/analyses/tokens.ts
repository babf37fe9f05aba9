import { Table } from '#arrow';
import { TokenizedNumbers } from '../compute/tokenize-numbers';
import { NumberTokenizer } from '../models/tokenizer';
import {
  int32Column,
  int32ListColumn,
  int64Column,
  utf8Column,
  utf8ListColumn,
} from '../output/arrow-columns';
import { tableOf } from '../output/parquet-file';
import { ANALYSIS_SCHEMAS } from '../output/schemas';

/** `tokens` rows: each number's text, token count, ids, and each id decoded on its own. */
export function tokensTable(tokens: TokenizedNumbers, tokenizer: NumberTokenizer): Table {
  return tableOf(ANALYSIS_SCHEMAS.tokens, [
    int64Column(tokens.values),
    utf8Column(tokens.texts),
    int32Column(tokenCounts(tokens.offsets)),
    int32ListColumn(tokens.offsets, tokens.ids),
    utf8ListColumn(tokens.offsets, tokenizer.pieceTexts(tokens)),
  ]);
}

/** Each number's token count, from the offsets of its ids (a loop of its own, optimized once). */
function tokenCounts(offsets: Int32Array): Int32Array {
  const counts = new Int32Array(offsets.length - 1);
  for (let i = 0; i < counts.length; i++) counts[i] = offsets[i + 1] - offsets[i];
  return counts;
}
