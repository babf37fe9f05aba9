import { Bool, DataType, Field, Float32, Float64, Int32, Int64, List, Schema, Utf8 } from '#arrow';
import { Analysis } from '../spec/vocabulary';

const field = (name: string, type: DataType, nullable = false) => new Field(name, type, nullable);

/** Components every `pca` part has columns for, null beyond the k a sweep has: one schema for all parts. */
export const PCA_COMPONENTS = 10;

/** Rows of the matrix `neighbors` lists per number. */
export const NEIGHBOR_COUNT = 10;

/** The columns of each analysis's Parquet files: the contract analysts query against. */
export const ANALYSIS_SCHEMAS: Record<Analysis, Schema> = {
  tokens: new Schema([
    field('number', new Int64()),
    field('text', new Utf8()),
    field('token_count', new Int32()),
    field('token_ids', new List(new Field('item', new Int32(), false))),
    field('tokens', new List(new Field('item', new Utf8(), false))),
  ]),
  'sign-symmetry': new Schema([
    field('number', new Int64()),
    field('count_match', new Bool()),
    field('ids_match', new Bool()),
  ]),
  'successive-cosine': new Schema([
    field('number', new Int64()),
    field('previous', new Int64()),
    field('cosine', new Float32(), true),
  ]),
  'cosine-matrix': new Schema([
    field('row', new Int64()),
    field('col', new Int64()),
    field('cosine', new Float32()),
  ]),
  fourier: new Schema([
    field('period', new Float64()),
    field('power', new Float64()),
    field('normalized_power', new Float64()),
  ]),
  pca: new Schema([
    field('number', new Int64()),
    ...Array.from({ length: PCA_COMPONENTS }, (_, i) => field(`pc${i + 1}`, new Float64(), true)),
  ]),
  neighbors: new Schema([
    field('number', new Int64()),
    field('rank', new Int32()),
    field('token_id', new Int32()),
    field('token', new Utf8(), true),
    field('cosine', new Float32()),
  ]),
};
