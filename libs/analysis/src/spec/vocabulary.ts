/** The closed vocabularies of a sweep spec. */
export const NUMBER_FORMATS = ['plain', 'space', 'comma'] as const;
export type NumberFormat = (typeof NUMBER_FORMATS)[number];

export const ANALYSES = [
  'tokens',
  'sign-symmetry',
  'successive-cosine',
  'cosine-matrix',
  'fourier',
  'pca',
  'neighbors',
] as const;
export type Analysis = (typeof ANALYSES)[number];

/** Analyses computed number by number, in slices of the sorted number list. */
export const PER_NUMBER_ANALYSES = [
  'tokens',
  'sign-symmetry',
  'successive-cosine',
] as const satisfies readonly Analysis[];
export type PerNumberAnalysis = (typeof PER_NUMBER_ANALYSES)[number];

/** Analyses that read the token-embedding matrix. */
export const EMBEDDING_ANALYSES: readonly Analysis[] = [
  'successive-cosine',
  'cosine-matrix',
  'fourier',
  'pca',
  'neighbors',
];

/** Which matrix the cosine, PCA and neighbour analyses read: the token embedding, or the unembedding. */
export const MATRIX_KINDS = ['input', 'output'] as const;
export type MatrixKind = (typeof MATRIX_KINDS)[number];

export const POOLINGS = ['none', 'mean'] as const;
export type Pooling = (typeof POOLINGS)[number];
