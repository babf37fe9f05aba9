import { Table } from 'apache-arrow';
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
  const count = tokens.values.length;
  const counts = new Int32Array(count);
  for (let i = 0; i < count; i++) counts[i] = tokens.offsets[i + 1] - tokens.offsets[i];
  return tableOf(ANALYSIS_SCHEMAS.tokens, [
    int64Column(tokens.values),
    utf8Column(tokens.texts),
    int32Column(counts),
    int32ListColumn(tokens.offsets, tokens.ids),
    utf8ListColumn(tokens.offsets, tokenizer.pieceTexts(tokens)),
  ]);
}
