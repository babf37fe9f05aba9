import { describe, expect, it } from 'vitest';
import { parseNumberExpression } from './number-expression';

const MAX = Number.MAX_SAFE_INTEGER;

describe(parseNumberExpression.name, () => {
  it.each([
    ['5', [{ start: 5, step: 1, last: 5 }]],
    ['-5', [{ start: -5, step: 1, last: -5 }]],
    ['0..9', [{ start: 0, step: 1, last: 9 }]],
    ['-1000..1000', [{ start: -1000, step: 1, last: 1000 }]],
    ['-10..-5', [{ start: -10, step: 1, last: -5 }]],
    ['7..7', [{ start: 7, step: 1, last: 7 }]],
    ['0..100:10', [{ start: 0, step: 10, last: 100 }]],
    // B is included only when reached
    ['0..10:3', [{ start: 0, step: 3, last: 9 }]],
    ['-7..7:5', [{ start: -7, step: 5, last: 3 }]],
    ['1..5:100', [{ start: 1, step: 100, last: 1 }]],
    [
      ' 1..3 ,5,  -2 ',
      [
        { start: 1, step: 1, last: 3 },
        { start: 5, step: 1, last: 5 },
        { start: -2, step: 1, last: -2 },
      ],
    ],
    [`-${MAX}..${MAX}:${MAX}`, [{ start: -MAX, step: MAX, last: MAX }]],
  ])('reads %j', (expression, progressions) => {
    expect(parseNumberExpression(expression)).toEqual(progressions);
  });

  it.each([
    ['', /is empty/],
    ['   ', /is empty/],
    ['1,,2', /empty item/],
    ['1,', /empty item/],
    [',1', /empty item/],
    ['abc', /item "abc" is malformed/],
    ['1..', /item "1\.\." is malformed/],
    ['..5', /item "\.\.5" is malformed/],
    ['1...5', /malformed/],
    ['1.5', /malformed/],
    ['+3', /malformed/],
    ['--3', /malformed/],
    ['1 .. 3', /malformed/],
    ['1..5:', /malformed/],
    ['1..5:-1', /malformed/],
    ['1..5:2:3', /malformed/],
    ['0x10', /malformed/],
    ['1e3', /malformed/],
    ['1..10:0', /item "1\.\.10:0" has step 0; STEP must be at least 1/],
    ['5..1', /item "5\.\.1" starts after it ends \(5 > 1\); write it as 1\.\.5/],
    ['-1..-5', /starts after it ends/],
    ['9007199254740992', /outside ±\(2\^53 - 1\)/],
    ['-9007199254740992..0', /outside/],
    ['0..1:9007199254740992', /outside/],
  ])('refuses %j, naming the problem', (expression, message) => {
    expect(() => parseNumberExpression(expression)).toThrow(message);
  });

  it('shortens a long bad item in its message', () => {
    const item = 'x'.repeat(500);
    expect(() => parseNumberExpression(item)).toThrow(/item "x{40}…" is malformed/);
  });
});
