/**
 * Generated bad bodies for `POST /sweeps`, from a seeded generator so that a run is reproducible.
 * Each case knows what it broke: the fields its 400 must name (the first word of one message line),
 * or that it is refused before validation (malformed JSON, a body over the size limit, not JSON).
 */
import { seededUniform } from '@tokensweep/analysis/compute/seeded-random';

export interface FuzzCase {
  /** The family of the case, for the report. */
  kind: string;
  body: Uint8Array;
  contentType: string | null;
  expect:
    { status: 400; fields: string[] } | { status: 400; message: RegExp } | { status: 413 } | { status: 415 };
}

export interface FuzzLimits {
  maxBodyBytes: number;
  maxSweepNumbers: number;
  maxMatrixNumbers: number;
}

/** A valid spec that every mutation starts from: small, tokens only, of a model the stack has. */
export const VALID_SPEC = {
  models: ['demo-a'],
  numbers: '0..9',
  formats: ['plain'],
  analyses: ['tokens'],
  chunkSize: 5,
};

const FIELDS = [
  'models',
  'numbers',
  'formats',
  'analyses',
  'pooling',
  'plots',
  'chunkSize',
  'tileSize',
] as const;
type Field = (typeof FIELDS)[number];

/** A JSON value written as raw text (what JSON.stringify cannot produce: 1e400, -0, invalid bytes). */
class Raw {
  constructor(readonly bytes: Uint8Array) {}
  static text(text: string): Raw {
    return new Raw(Buffer.from(text, 'utf8'));
  }
}

/** Serializes an object whose values may be Raw, to bytes (keys may be Raw too, through `rawKeys`). */
function serialize(entries: [string | Raw, unknown][]): Uint8Array {
  const parts: Buffer[] = [Buffer.from('{')];
  entries.forEach(([key, value], i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(key instanceof Raw ? Buffer.from(key.bytes) : Buffer.from(JSON.stringify(key)));
    parts.push(Buffer.from(':'));
    parts.push(value instanceof Raw ? Buffer.from(value.bytes) : Buffer.from(JSON.stringify(value)));
  });
  parts.push(Buffer.from('}'));
  return Buffer.concat(parts);
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** The spec with `field` set to `value` (the other fields as in VALID_SPEC). */
function withField(
  field: string | Raw,
  value: unknown,
  base: Record<string, unknown> = VALID_SPEC,
): Uint8Array {
  const entries: [string | Raw, unknown][] = Object.entries(base).filter(([k]) => k !== field);
  entries.push([field, value]);
  return serialize(entries);
}

/** How the spec schema shortens a long unknown key in its message. */
function shortenKey(key: string): string {
  return key.length > 60 ? `${key.slice(0, 60)}…` : key;
}

/** Invalid UTF-8 sequences: a lone continuation byte, overlong encodings, a surrogate, a cut sequence, bytes never used. */
const INVALID_UTF8: number[][] = [
  [0x80],
  [0xc0, 0x80],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xff],
  [0xfe, 0xff],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

/** A JSON string literal holding `before`, invalid bytes, then `after`. */
function invalidUtf8String(before: string, bad: number[], after: string): Raw {
  return new Raw(
    Buffer.concat([
      utf8(JSON.stringify(before).slice(0, -1)),
      Buffer.from(bad),
      utf8(JSON.stringify(after).slice(1)),
    ]),
  );
}

/** Model arguments that are paths, URLs or otherwise not Hub ids. */
export const BAD_MODEL_IDS = [
  '../../etc/passwd',
  '/abs/path',
  '/etc/passwd',
  'a/b/c',
  './demo-a',
  '../demo-a',
  '~/models/gpt2',
  '~',
  '.',
  '..',
  'demo-a/..',
  'org/../../etc',
  'C:\\Windows\\System32',
  '\\\\server\\share',
  'http://example.com/gpt2',
  'https://huggingface.co/gpt2',
  'file:///etc/passwd',
  'hf://gpt2',
  'gpt2@',
  '@main',
  'gpt2@../../etc',
  'gpt2@main@v2',
  'a//b',
  '/gpt2',
  'gpt2/',
  '-gpt2',
  'gpt2-',
  'org--name',
  ' gpt2',
  'gpt2 ',
  'gpt\u00002',
  'gpt2\n',
  '%2e%2e/%2e%2e/etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  'demo-a;rm -rf /',
  '$(id)',
  'ｇｐｔ２',
  'gpt2😀',
  'x'.repeat(97),
  `${'o'.repeat(97)}/name`,
];

const BAD_EXPRESSIONS = [
  '',
  ' ',
  '1..',
  '..5',
  '1...5',
  '1..5..9',
  '5..1',
  '-1..-5',
  '1..10:0',
  '1..10:-2',
  '1..10:',
  '1..10:1.5',
  '1.5',
  '1e5',
  '0x10',
  '--1',
  '+1',
  '1,,2',
  '1,',
  ',1',
  '1 2',
  'a..b',
  'NaN',
  'Infinity',
  '١٢٣',
  '1..2:3:4',
  '99999999999999999999',
  '-9007199254740993',
  '0..9007199254740992',
  '1;2',
  '1..2\u00003',
  '[1,2]',
  '{}',
];

const WRONG_TYPES: unknown[] = [0, -1, 3.5, 1e300, true, false, null, 'text', '', [], {}, [[]], { a: 1 }];

/** Values of the wrong type or out of range for each field (never a valid one). */
function badValues(field: Field, limits: FuzzLimits): unknown[] {
  switch (field) {
    case 'models':
      return [
        ...WRONG_TYPES.filter((v) => !Array.isArray(v)),
        [],
        [1],
        [null],
        [''],
        [{}],
        [[]],
        [true],
        ['demo-a', 7],
        ...BAD_MODEL_IDS.map((id) => [id]),
        ['demo-a', '../demo-b'],
        Array.from({ length: 17 }, (_, i) => `m${i}`),
        Array.from({ length: 65 }, () => 'demo-a'),
      ];
    case 'numbers':
      return [
        ...WRONG_TYPES.filter((v) => typeof v !== 'string' || v === ''),
        ...BAD_EXPRESSIONS,
        `0..${limits.maxSweepNumbers}`,
        '-9007199254740991..9007199254740991',
        '0..9007199254740991:1000',
        `0..${limits.maxSweepNumbers * 3}:2,1..${limits.maxSweepNumbers * 3}:3`,
        Array.from({ length: 40 }, (_, i) => `0..${limits.maxSweepNumbers * 50}:${i + 2}`).join(','),
        '1,'.repeat(6_000) + '1',
      ];
    case 'formats':
    case 'analyses':
      return [
        ...WRONG_TYPES.filter((v) => !Array.isArray(v)),
        [],
        [''],
        [5],
        [null],
        ['roman'],
        ['PLAIN'],
        ['Tokens'],
        [' plain'],
        ['tokens', 'vibes'],
        [['plain']],
        Array.from({ length: 65 }, () => (field === 'formats' ? 'plain' : 'tokens')),
      ];
    case 'pooling':
      return [...WRONG_TYPES.filter((v) => v !== ''), '', 'max', 'MEAN', 'none ', ['mean']];
    case 'plots':
      return [0, 1, 'true', 'false', 'yes', null, [], {}, [true]];
    case 'chunkSize':
    case 'tileSize':
      return [
        0,
        -1,
        1.5,
        1e-7,
        2 ** 53,
        -(2 ** 53),
        field === 'chunkSize' ? 1_000_001 : limits.maxMatrixNumbers + 1,
        '10',
        true,
        null,
        [],
        {},
        [5],
        Raw.text('1e400'),
        Raw.text('-1e400'),
        Raw.text('-0'),
      ];
  }
}

/** Keys the schema does not know (including ones JavaScript objects treat specially). */
const UNKNOWN_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'Models',
  'model',
  'number',
  'chunk_size',
  'format',
  'analysis',
  'id',
  'status',
  '',
  ' ',
  '\u0000',
  'numbers ',
  'x'.repeat(1000),
  'ключ',
  '🔑',
  '$where',
  'constructor.prototype',
];

/** Every case of a fixed catalogue, then random mutations, up to `count` in all. */
export function fuzzCases(count: number, seed: number, limits: FuzzLimits): FuzzCase[] {
  const random = seededUniform(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const json = 'application/json';
  const cases: FuzzCase[] = [];
  const fieldCase = (kind: string, field: Field, value: unknown): FuzzCase => ({
    kind,
    body: withField(field, value),
    contentType: json,
    expect: { status: 400, fields: [field] },
  });

  // the catalogue: every bad value of every field once
  for (const field of FIELDS)
    for (const value of badValues(field, limits)) cases.push(fieldCase(`bad ${field}`, field, value));
  for (const key of UNKNOWN_KEYS)
    cases.push({
      kind: 'unknown field',
      body: withField(key, 1),
      contentType: json,
      expect: { status: 400, fields: [shortenKey(key)] },
    });
  for (const text of ['[]', '[1,2]', '"sweep"', '123', 'true', 'null', '[{"models":["demo-a"]}]']) {
    cases.push({
      kind: 'not an object',
      body: utf8(text),
      contentType: json,
      expect: { status: 400, message: /JSON/ },
    });
  }
  for (const text of [
    "{'models': ['demo-a']}",
    '{"models": ["demo-a"],}',
    '{models: ["demo-a"]}',
    '{"numbers": "1..5" /* c */}',
    '{"chunkSize": NaN}',
    '{"chunkSize": Infinity}',
    '{"a":1}}',
    '{"numbers": "1..5"',
    '\ufeff{"numbers": 1}x',
    '{"numbers": "\\x41"}',
    '{"numbers": "\\ud800"]',
  ]) {
    cases.push({
      kind: 'malformed JSON',
      body: utf8(text),
      contentType: json,
      expect: { status: 400, message: /JSON|Unexpected|Expected|position/ },
    });
  }
  for (const bad of INVALID_UTF8) {
    cases.push({
      kind: 'invalid UTF-8',
      body: withField('models', [invalidUtf8String('demo', bad, '-a')]),
      contentType: json,
      expect: { status: 400, fields: ['models'] },
    });
    cases.push({
      kind: 'invalid UTF-8',
      body: withField('numbers', invalidUtf8String('1..', bad, '5')),
      contentType: json,
      expect: { status: 400, fields: ['numbers'] },
    });
    cases.push({
      kind: 'invalid UTF-8',
      body: withField('formats', [invalidUtf8String('pla', bad, 'in')]),
      contentType: json,
      expect: { status: 400, fields: ['formats'] },
    });
    // invalid bytes outside any string: not JSON at all
    cases.push({
      kind: 'invalid UTF-8',
      body: Buffer.concat([utf8('{"numbers": '), Buffer.from(bad), utf8('}')]),
      contentType: json,
      expect: { status: 400, message: /JSON|Unexpected|Expected/ },
    });
  }
  // deeply nested JSON, under the size limit
  for (const depth of [100, 1_000, Math.floor((limits.maxBodyBytes - 300) / 2)]) {
    const nested = new Raw(utf8('['.repeat(depth) + ']'.repeat(depth)));
    cases.push({
      kind: 'deeply nested',
      body: withField('models', nested),
      contentType: json,
      expect: { status: 400, fields: ['models'] },
    });
    cases.push({
      kind: 'deeply nested',
      body: withField(
        'extra',
        new Raw(utf8('{"a":'.repeat(Math.floor(depth / 3)) + '1' + '}'.repeat(Math.floor(depth / 3)))),
      ),
      contentType: json,
      expect: { status: 400, fields: ['extra'] },
    });
  }
  cases.push({
    kind: 'deeply nested',
    body: utf8('['.repeat(10_000) + ']'.repeat(10_000)),
    contentType: json,
    expect: { status: 400, message: /JSON object/ },
  });
  // enormous strings, just under the size limit, and bodies over it
  const room = limits.maxBodyBytes - 200;
  cases.push({
    kind: 'enormous string',
    body: withField('numbers', '1'.repeat(room)),
    contentType: json,
    expect: { status: 400, fields: ['numbers'] },
  });
  cases.push({
    kind: 'enormous string',
    body: withField('models', ['a'.repeat(room)]),
    contentType: json,
    expect: { status: 400, fields: ['models'] },
  });
  cases.push({
    kind: 'enormous string',
    body: withField('formats', ['p'.repeat(room)]),
    contentType: json,
    expect: { status: 400, fields: ['formats'] },
  });
  cases.push({
    kind: 'enormous string',
    body: withField('k'.repeat(room), 1),
    contentType: json,
    expect: { status: 400, fields: [shortenKey('k'.repeat(room))] },
  });
  for (const extra of [1, 1_000, limits.maxBodyBytes, 10 * limits.maxBodyBytes]) {
    // a valid spec, padded with whitespace past the limit: refused for its size alone
    const valid = withField('numbers', '0..9');
    const padding = ' '.repeat(limits.maxBodyBytes - valid.length + extra);
    cases.push({
      kind: 'over MAX_BODY_BYTES',
      body: Buffer.concat([utf8('{' + padding), Buffer.from(valid.subarray(1))]),
      contentType: json,
      expect: { status: 413 },
    });
  }
  cases.push({
    kind: 'over MAX_BODY_BYTES',
    body: withField('numbers', '1'.repeat(limits.maxBodyBytes)),
    contentType: json,
    expect: { status: 413 },
  });
  // not JSON at all
  for (const type of [
    null,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=latin1',
    'application/json-patch+json',
    'application/jsonp',
  ]) {
    cases.push({
      kind: 'not JSON',
      body: withField('numbers', '5..1'),
      contentType: type,
      expect: { status: 415 },
    });
  }

  // then random mutations: one to three fields broken at once, or random garbage in a field
  const fieldNames = [...FIELDS];
  while (cases.length < count) {
    const roll = random();
    if (roll < 0.55) {
      const broken = new Map<Field, unknown>();
      const n = int(1, 3);
      while (broken.size < n) {
        const field = pick(fieldNames);
        broken.set(field, pick(badValues(field, limits)));
      }
      const base: Record<string, unknown> = { ...VALID_SPEC };
      const entries: [string | Raw, unknown][] = Object.entries(base).filter(
        ([k]) => !broken.has(k as Field),
      );
      for (const [field, value] of broken) entries.push([field, value]);
      cases.push({
        kind: 'random broken fields',
        body: serialize(entries),
        contentType: json,
        expect: { status: 400, fields: [...broken.keys()] },
      });
    } else if (roll < 0.7) {
      // a random string with a character no Hub id may hold
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_.';
      const bad = pick([
        ' ',
        '\\',
        ':',
        '%',
        '?',
        '#',
        '\u0000',
        '*',
        '<',
        '>',
        '|',
        '"',
        "'",
        '\n',
        '\t',
        '$',
        '!',
        ',',
        ';',
        '=',
        '+',
        '&',
        '(',
        ')',
        '[',
        ']',
        '{',
        '}',
        '`',
        '^',
        '€',
        'é',
        '\ufffd',
        '//',
        '../',
        '/..',
      ]);
      const text = Array.from({ length: int(0, 20) }, () => pick([...alphabet])).join('');
      const at = int(0, text.length);
      cases.push(fieldCase('random model id', 'models', [text.slice(0, at) + bad + text.slice(at)]));
    } else if (roll < 0.85) {
      // random noise in the numbers expression, poisoned so that it cannot be valid (a letter, an
      // empty item, a doubled colon)
      const alphabet = '0123456789.,:- ';
      const text = Array.from({ length: int(1, 30) }, () => pick([...alphabet])).join('');
      const poison = pick(['x', ',,', '::', 'e', 'NaN', '\u0000']);
      const at = int(0, text.length);
      const expression = text.slice(0, at) + poison + text.slice(at);
      cases.push(fieldCase('random numbers expression', 'numbers', expression));
    } else if (roll < 0.93) {
      const key = Array.from({ length: int(1, 80) }, () => String.fromCharCode(int(0x20, 0x2fff))).join('');
      if ((FIELDS as readonly string[]).includes(key)) continue;
      cases.push({
        kind: 'unknown field',
        body: withField(key, pick(WRONG_TYPES)),
        contentType: json,
        expect: { status: 400, fields: [shortenKey(key)] },
      });
    } else {
      // a valid body cut short somewhere after its first character
      const whole = withField('numbers', '0..9');
      const cut = int(1, whole.length - 1);
      cases.push({
        kind: 'truncated JSON',
        body: whole.subarray(0, cut),
        contentType: json,
        expect: { status: 400, message: /JSON|Unexpected|Expected|end/ },
      });
    }
  }
  return cases;
}
