import { describe, expect, it } from 'vitest';
import { NUMBER_FORMATS } from '../spec/vocabulary';
import { formatNumber } from './format-number';

/** en-US grouping as the platform's Intl implements it: the independent reference for `comma`. */
const grouped = new Intl.NumberFormat('en-US', { useGrouping: true, maximumFractionDigits: 0 });

describe(formatNumber.name, () => {
  it.each([
    [0, '0', ' 0', '0'],
    [5, '5', ' 5', '5'],
    [-5, '-5', ' -5', '-5'],
    [999, '999', ' 999', '999'],
    [-999, '-999', ' -999', '-999'],
    [1000, '1000', ' 1000', '1,000'],
    [-1000, '-1000', ' -1000', '-1,000'],
    [12345, '12345', ' 12345', '12,345'],
    [-123456, '-123456', ' -123456', '-123,456'],
    [1234567, '1234567', ' 1234567', '1,234,567'],
    [-9007199254740991, '-9007199254740991', ' -9007199254740991', '-9,007,199,254,740,991'],
  ])('%i: plain %j, space %j, comma %j', (value, plain, space, comma) => {
    expect(NUMBER_FORMATS.map((format) => formatNumber(value, format))).toEqual([plain, space, comma]);
  });

  it('groups thousands as en-US does, for every magnitude and sign', () => {
    const values = [0, 1, -1];
    for (let power = 1; power <= 15; power++) {
      for (const scale of [1, 3, 7])
        values.push(
          scale * 10 ** power,
          -scale * 10 ** power,
          scale * 10 ** power - 1,
          1 - scale * 10 ** power,
        );
    }
    expect(values.map((v) => formatNumber(v, 'comma'))).toEqual(values.map((v) => grouped.format(v)));
  });

  it('writes -0 as 0', () => {
    expect(NUMBER_FORMATS.map((format) => formatNumber(-0, format))).toEqual(['0', ' 0', '0']);
  });
});
