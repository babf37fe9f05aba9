import { describe, expect, it } from 'vitest';
import { SpecError } from './spec-error';
import { parseSweepSpec, specHash } from './sweep-spec';

/** The problems a spec is refused with (fails the test when it is accepted). */
function problemsOf(input: unknown, options: Parameters<typeof parseSweepSpec>[1] = {}): string[] {
  try {
    parseSweepSpec(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).problems;
  }
  throw new Error(`${JSON.stringify(input)} was accepted`);
}

const LIMITS = {
  maxSweepNumbers: 100,
  maxMatrixNumbers: 20,
  maxFourierNumbers: 30,
  maxPcaNumbers: 40,
  maxNeighborNumbers: 25,
  maxSweepChunks: 50,
};

describe(parseSweepSpec.name, () => {
  it('fills the documented defaults (README, docs/architecture.md), and the default sweep passes the default limits', () => {
    const { spec, numbers } = parseSweepSpec({});
    expect(spec).toMatchObject({
      models: ['gpt2'],
      numbers: '-1000..1000',
      formats: ['plain'],
      analyses: ['tokens', 'sign-symmetry', 'successive-cosine', 'cosine-matrix'],
      matrix: 'input',
      pooling: 'none',
      plots: false,
    });
    expect(spec.chunkSize).toBeGreaterThanOrEqual(1);
    expect(spec.tileSize).toBeGreaterThanOrEqual(1);
    expect(numbers.size).toBe(2001);
  });

  it('fits the default tileSize under a lower MAX_MATRIX_NUMBERS, so the filled-in spec passes again (as workers check it)', () => {
    const { spec } = parseSweepSpec({ numbers: '0..9' }, { limits: LIMITS });
    expect(spec.tileSize).toBe(LIMITS.maxMatrixNumbers);
    expect(parseSweepSpec(spec, { limits: LIMITS }).spec).toEqual(spec);
  });

  it('keeps what it is given, de-duplicated and trimmed', () => {
    const { spec, numbers } = parseSweepSpec({
      models: ['org/name@v1', 'gpt2', 'gpt2'],
      numbers: ' 0..10:1 , 3 ',
      formats: ['comma', 'space', 'comma'],
      analyses: ['fourier', 'tokens'],
      matrix: 'output',
      pooling: 'mean',
      plots: true,
      chunkSize: 7,
      tileSize: 5,
    });
    expect(spec).toEqual({
      models: ['org/name@v1', 'gpt2'],
      numbers: '0..10:1,3',
      formats: ['comma', 'space'],
      analyses: ['fourier', 'tokens'],
      matrix: 'output',
      pooling: 'mean',
      plots: true,
      chunkSize: 7,
      tileSize: 5,
    });
    expect(numbers.size).toBe(11);
  });

  it.each([
    ['models', { models: 'gpt2' }, /must be a list/],
    ['models', { models: [] }, /at least one/],
    ['models', { models: [''] }, /non-empty string/],
    ['models', { models: ['not a model id!'] }, /not a Hugging Face model id/],
    ['models', { models: ['./local-dir'] }, /not a Hugging Face model id/],
    ['models', { models: ['gpt2@bad revision'] }, /malformed revision/],
    ['numbers', { numbers: 5 }, /must be a string/],
    ['numbers', { numbers: '' }, /is empty/],
    ['numbers', { numbers: 'abc' }, /"abc" is malformed/],
    ['numbers', { numbers: '5..1' }, /starts after it ends/],
    ['numbers', { numbers: '1..10:0' }, /step 0/],
    ['numbers', { numbers: '1,,2' }, /empty item/],
    ['numbers', { numbers: '9007199254740992' }, /outside/],
    ['numbers', { numbers: '1'.repeat(10_001) }, /characters long/],
    ['formats', { formats: ['roman'] }, /unknown format "roman"; expected one of plain, space, comma/],
    ['formats', { formats: [] }, /at least one/],
    ['analyses', { analyses: ['histogram'] }, /unknown analysis "histogram"/],
    ['analyses', { analyses: 'tokens' }, /must be a list/],
    ['pooling', { pooling: 'max' }, /unknown pooling "max"; expected one of none, mean/],
    ['matrix', { matrix: 'lm_head' }, /unknown matrix "lm_head"; expected one of input, output/],
    ['pooling', { pooling: ['mean'] }, /unknown pooling/],
    ['plots', { plots: 'yes' }, /true or false/],
    ['chunkSize', { chunkSize: 0 }, /integer from 1/],
    ['chunkSize', { chunkSize: 2.5 }, /integer from 1/],
    ['chunkSize', { chunkSize: '100' }, /integer from 1/],
    ['tileSize', { tileSize: -1 }, /integer from 1/],
    ['tileSize', { tileSize: 1_000_000 }, /integer from 1 to 8192/],
  ])('refuses a bad %s: %j', (field, input, message) => {
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${field}: `));
    expect(problems[0]).toMatch(message);
  });

  it.each([
    ['colour', { colour: 'red' }],
    ['__proto__x', { __proto__x: 1 }],
    ['chunk_size', { chunk_size: 10 }],
  ])('refuses the unknown field %s, naming it and the allowed ones', (field, input) => {
    expect(problemsOf(input)).toEqual([
      `${field}: unknown field; allowed fields are models, numbers, formats, analyses, matrix, pooling, plots, chunkSize, tileSize`,
    ]);
  });

  it.each([null, [], 'gpt2', 42])('refuses %j, which is not an object', (input) => {
    expect(problemsOf(input)[0]).toMatch(/must be a JSON object/);
  });

  it('lists every problem at once, each naming its field', () => {
    const problems = problemsOf({ numbers: 'abc', formats: ['roman'], pooling: 'max', extra: true });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['extra', 'formats', 'numbers', 'pooling']);
  });

  it('refuses two local models that would share a slug', () => {
    const problems = problemsOf({ models: ['/a/model', '/b/model'] }, { allowLocalModels: true });
    expect(problems).toEqual([expect.stringMatching(/^models: .*both be written as model=model/)]);
  });

  it.each([
    [
      'numbers',
      'MAX_SWEEP_NUMBERS',
      { numbers: '0..100', analyses: ['tokens'] },
      /sweeps 101 numbers, over the limit of 100/,
    ],
    [
      'numbers',
      'MAX_SWEEP_NUMBERS',
      { numbers: '0..1000:2, 1..1001:3', analyses: ['tokens'] },
      /over the limit of 100/,
    ],
    [
      'analyses',
      'MAX_MATRIX_NUMBERS',
      { numbers: '0..20', analyses: ['cosine-matrix'] },
      /cosine-matrix .*21 numbers, over the limit of 20/,
    ],
    [
      'analyses',
      'MAX_FOURIER_NUMBERS',
      { numbers: '0..30', analyses: ['fourier'] },
      /fourier .*31 numbers, over the limit of 30/,
    ],
    [
      'analyses',
      'MAX_PCA_NUMBERS',
      { numbers: '0..40', analyses: ['pca'] },
      /pca .*41 numbers, over the limit of 40/,
    ],
    [
      'analyses',
      'MAX_NEIGHBOR_NUMBERS',
      { numbers: '0..25', analyses: ['neighbors'] },
      /neighbors .*26 numbers, over the limit of 25/,
    ],
    [
      'chunkSize',
      'MAX_SWEEP_CHUNKS',
      { numbers: '0..24', analyses: ['tokens', 'neighbors', 'pca'], chunkSize: 1 },
      /would run 51 chunks \(25 by chunkSize 1, 25 neighbors by chunkSize 1, 1 pca; .*raise chunkSize to at least 2,/,
    ],
    [
      'chunkSize',
      'MAX_SWEEP_CHUNKS',
      { numbers: '0..99', analyses: ['tokens'], chunkSize: 1 },
      /^chunkSize: the sweep would run 100 chunks \(100 by chunkSize 1; over 1 model\(s\) × 1 format\(s\)\), over the limit of 50; raise chunkSize to at least 2,/,
    ],
    [
      'tileSize',
      'MAX_SWEEP_CHUNKS',
      { numbers: '0..19', analyses: ['tokens', 'cosine-matrix'], tileSize: 2 },
      /would run 101 chunks \(1 by chunkSize 50,000, 100 cosine-matrix tiles by tileSize 2; .*raise tileSize to at least 3,/,
    ],
  ])('refuses a sweep over a limit in %s, naming the variable %s', (field, variable, input, message) => {
    const problems = problemsOf(input, { limits: LIMITS });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${field}: `));
    expect(problems[0]).toMatch(message);
    expect(problems[0]).toContain(`raise ${variable}`);
  });

  it('accepts a sweep right at its limits', () => {
    expect(parseSweepSpec({ numbers: '1..100', analyses: ['tokens'] }, { limits: LIMITS }).numbers.size).toBe(
      100,
    );
    expect(
      parseSweepSpec({ numbers: '1..20', analyses: ['cosine-matrix'] }, { limits: LIMITS }).numbers.size,
    ).toBe(20);
  });

  it.each([
    { numbers: '0..29', analyses: ['tokens', 'fourier'], chunkSize: 1, formats: ['plain', 'space'] },
    { numbers: '0..19', analyses: ['cosine-matrix', 'fourier'], tileSize: 1 },
    { numbers: '0..24', analyses: ['tokens', 'neighbors', 'pca'], chunkSize: 1 },
    { numbers: '0..9, 50..59', analyses: ['successive-cosine', 'cosine-matrix'], chunkSize: 1, tileSize: 1 },
  ])('the least chunkSize or tileSize a refusal names fits: $numbers, $analyses', (input) => {
    const [problem] = problemsOf(input, { limits: LIMITS });
    const [, field, least] = problem.match(/^(chunkSize|tileSize): .*raise \1 to at least (\d+),/)!;
    const fitted = parseSweepSpec({ ...input, [field]: Number(least) }, { limits: LIMITS });
    expect(fitted.spec[field as 'chunkSize' | 'tileSize']).toBe(Number(least));
    expect(problemsOf({ ...input, [field]: Number(least) - 1 }, { limits: LIMITS })[0]).toMatch(
      /MAX_SWEEP_CHUNKS$/,
    );
  });

  it('lets the default chunk and tile sizes through for the largest sweep the other limits allow', () => {
    const models = Array.from({ length: 16 }, (_, i) => `org/model-${i}`);
    const formats = ['plain', 'space', 'comma'];
    expect(
      parseSweepSpec({ models, formats, numbers: '0..9999999', analyses: ['tokens'] }).numbers.size,
    ).toBe(10_000_000);
    expect(parseSweepSpec({ models, formats, numbers: '0..8191' }).spec.tileSize).toBe(1024);
  });

  it('refuses local directories unless they are allowed, and accepts them when they are', () => {
    expect(problemsOf({ models: ['/models/gpt2'] })[0]).toMatch(/^models: .*Hub ids only/);
    expect(parseSweepSpec({ models: ['/models/gpt2'] }, { allowLocalModels: true }).spec.models).toEqual([
      '/models/gpt2',
    ]);
  });
});

describe(specHash.name, () => {
  it('hashes equal specs equally whatever their key order, and different specs differently', () => {
    const a = parseSweepSpec({ numbers: '0..9', pooling: 'mean' }).spec;
    const b = parseSweepSpec({ pooling: 'mean', numbers: '0..9' }).spec;
    const reordered = Object.fromEntries(Object.entries(b).reverse()) as typeof b;
    expect(specHash(reordered)).toBe(specHash(a));
    expect(specHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(specHash(parseSweepSpec({ numbers: '0..10', pooling: 'mean' }).spec)).not.toBe(specHash(a));
  });
});
