import { describe, expect, it } from 'vitest';
import { jsonArrayLiterals } from './json-number-literals';
import { DEFAULT_LIMITS } from './limits';
import { isNumberListRef, numberListRef, readNumberList, referToList, withNumberList } from './number-list';
import { SpecError } from './spec-error';
import { parseSweepSpec, specHash } from './sweep-spec';

/** A body as a client sends it, parsed the way the API parses it: with the literals of its list. */
function parseBody(body: string) {
  return parseSweepSpec(JSON.parse(body), { numberLiterals: jsonArrayLiterals(body, 'numbers') });
}

function problemsOf(body: string): string[] {
  try {
    parseBody(body);
  } catch (error) {
    if (error instanceof SpecError) return error.problems;
    throw error;
  }
  throw new Error(`accepted ${body}`);
}

describe(jsonArrayLiterals.name, () => {
  it.each([
    ['[1, 2.50, -3e2]', undefined, ['1', '2.50', '-3e2']],
    [
      '{"numbers": [9007199254740993, "7", null, [1], {"a": 1}, 4]}',
      'numbers',
      ['9007199254740993', null, null, null, null, '4'],
    ],
    ['{"models": ["a,]b"], "x": {"numbers": [1]}, "numbers": [ 5 ]}', 'numbers', ['5']],
    ['{"numbers": [1], "numbers": [2]}', 'numbers', ['2']],
    ['{"numb\\u0065rs": [1.0]}', 'numbers', ['1.0']],
    ['{"numbers": []}', 'numbers', []],
    ['{"numbers": "1..5"}', 'numbers', null],
    ['{"models": ["gpt2"]}', 'numbers', null],
  ] as const)('reads %s', (json, key, expected) => {
    expect(jsonArrayLiterals(json, key)).toEqual(expected);
  });
});

describe(readNumberList.name, () => {
  it('sorts and removes duplicates', () => {
    expect(readNumberList([5, -3, 5, 0, 2024, -3])).toEqual([-3, 0, 5, 2024]);
  });

  it('takes integers however the literal writes them (1e3 is 1000, 2.0 is 2, -0 is 0)', () => {
    const body = '[1e3, 2.0, -0, 0.5e1, 100e-2, -9007199254740991]';
    expect(readNumberList(JSON.parse(body), jsonArrayLiterals(body))).toEqual([
      -9007199254740991, 0, 1, 2, 5, 1000,
    ]);
  });

  it.each([
    ['1.5', /^\[1\] .* got 1\.5 \(not an integer\)$/],
    ['1.0000000000000001', /^\[1\] .* got 1\.0000000000000001 \(not an integer\)$/],
    ['9007199254740993', /^\[1\] .* got 9007199254740993 \(past the bound/],
    ['9007199254740992', /^\[1\] .* \(past the bound/],
    ['-9007199254740992', /^\[1\] .* \(past the bound/],
    ['1e16', /^\[1\] .* \(past the bound/],
    ['1e400', /^\[1\] .* \(past the bound/],
    ['1e-7', /^\[1\] .* \(not an integer\)$/],
    ['"3"', /^\[1\] .* got the string "3"$/],
    ['null', /^\[1\] .* got null$/],
    ['true', /^\[1\] .* got boolean true$/],
  ])('refuses %s naming its index, judged on the literal', (element, message) => {
    const body = `[0, ${element}, 2]`;
    expect(() => readNumberList(JSON.parse(body), jsonArrayLiterals(body))).toThrow(message);
  });

  it('judges parsed values when there is no text: what parsing rounded to an integer then passes', () => {
    expect(readNumberList(JSON.parse('[1.0000000000000001]'))).toEqual([1]);
    expect(() => readNumberList([2 ** 53])).toThrow(/^\[0\] .*past the bound/);
  });

  it('refuses an empty list, and lists at most five bad entries', () => {
    expect(() => readNumberList([])).toThrow(/empty list/);
    expect(() => readNumberList(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toThrow(/\[4\] [^[]*; and 2 more$/);
  });
});

describe('parseSweepSpec with a list of numbers', () => {
  it('normalizes the list sorted and without duplicates, so its hash does not depend on the order', () => {
    const a = parseBody('{"numbers": [2024, 1990, 7, 1990]}');
    const b = parseBody('{"numbers": [7, 1990, 2024]}');
    expect(a.spec.numbers).toEqual([7, 1990, 2024]);
    expect(specHash(a.spec)).toBe(specHash(b.spec));
    expect(specHash(a.spec)).not.toBe(specHash(parseBody('{"numbers": [7, 1990, 2025]}').spec));
    expect([a.numbers.size, a.numbers.at(1), a.numbers.indexOf(2024), a.numbers.has(8)]).toEqual([
      3,
      1990,
      2,
      false,
    ]);
  });

  it('keeps an expression an expression', () => {
    expect(parseBody('{"numbers": "0..3, 10"}').spec.numbers).toBe('0..3,10');
  });

  it('refuses bad elements naming the field and the index, from the raw text', () => {
    expect(problemsOf('{"numbers": [1, 9007199254740993]}')).toEqual([
      expect.stringMatching(
        /^numbers: \[1\] must be an integer within ±9007199254740991, got 9007199254740993/,
      ),
    ]);
    expect(problemsOf('{"numbers": []}')).toEqual([expect.stringMatching(/^numbers: is an empty list/)]);
    expect(problemsOf('{"numbers": {"from": 1}}')).toEqual([
      expect.stringMatching(/^numbers: must be a string like "-1000..1000" or a list of integers/),
    ]);
  });

  it('applies MAX_SWEEP_NUMBERS and MAX_MATRIX_NUMBERS to a list as to an expression', () => {
    const limits = { ...DEFAULT_LIMITS, maxSweepNumbers: 3, maxMatrixNumbers: 2 };
    const parse = (numbers: number[], analyses: string[]) => () =>
      parseSweepSpec({ numbers, analyses }, { limits });
    expect(parse([1, 2, 3, 4], ['tokens'])).toThrow(
      /numbers: the list holds 4 numbers, over the limit of 3; .*MAX_SWEEP_NUMBERS/,
    );
    expect(parse([1, 2, 3], ['cosine-matrix'])).toThrow(
      /analyses: cosine-matrix would compare 3 numbers.*MAX_MATRIX_NUMBERS/,
    );
    expect(parse([1, 1, 1, 1, 2], ['tokens'])).toThrow(/the list holds 5 numbers/);
  });
});

describe(referToList.name, () => {
  const { spec } = parseSweepSpec({ numbers: [3, 1, 2] });

  it('replaces a list by its reference, and withNumberList puts the very list back', () => {
    const byReference = referToList(spec);
    expect(byReference.numbers).toEqual(numberListRef([1, 2, 3]));
    expect(isNumberListRef(byReference.numbers)).toBe(true);
    expect(JSON.stringify(byReference).length).toBeLessThan(400);
    expect(withNumberList(byReference, [1, 2, 3])).toEqual(spec);
  });

  it('refuses another list, or none, in place of the one referred to', () => {
    const byReference = referToList(spec);
    expect(() => withNumberList(byReference, [1, 2, 4])).toThrow(/not the one this sweep was submitted with/);
    expect(() => withNumberList(byReference, null)).toThrow(/no stored list/);
  });

  it('leaves an expression as it is', () => {
    const expression = parseSweepSpec({ numbers: '1..3' }).spec;
    expect(referToList(expression)).toEqual(expression);
  });
});
