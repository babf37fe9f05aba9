import { readFile } from 'node:fs/promises';
import { jsonArrayLiterals, readNumberList } from '@tokensweep/analysis';
import { CliError } from './cli-error';

const INTEGER = /^-?\d+$/;
const BOUND = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The numbers of `--numbers @FILE`: a JSON array of integers, or one integer per line (blank lines
 * and `#` comments ignored). A bad entry is refused naming its line, or its index in the array.
 */
export async function readNumbersFile(file: string): Promise<number[]> {
  const fail = (problem: string): never => {
    throw new CliError(`--numbers @${file}: ${problem}`, 2);
  };
  const text = await readFile(file, 'utf8').catch((error: Error) => fail(error.message));
  return text.trimStart().startsWith('[') ? jsonList(text, fail) : lineList(text, fail);
}

function jsonList(text: string, fail: (problem: string) => never): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) fail('a JSON file must hold one array of integers');
  try {
    return readNumberList(value as unknown[], jsonArrayLiterals(text));
  } catch (error) {
    return fail((error as Error).message);
  }
}

function lineList(text: string, fail: (problem: string) => never): number[] {
  const numbers: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const entry = line.replace(/#.*/, '').trim();
    if (entry === '') return;
    const where = `line ${i + 1}: ${JSON.stringify(entry.length > 30 ? `${entry.slice(0, 30)}…` : entry)}`;
    if (!INTEGER.test(entry)) fail(`${where} is not an integer`);
    const exact = BigInt(entry);
    if (exact > BOUND || exact < -BOUND) fail(`${where} is past ±${Number.MAX_SAFE_INTEGER}`);
    numbers.push(Number(exact));
  });
  if (numbers.length === 0) fail('holds no numbers (only blank lines and # comments)');
  return numbers;
}
