import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from './cli-error';
import { readNumbersFile } from './number-file';

describe(readNumbersFile.name, () => {
  let dir: string;
  let n = 0;
  const file = async (text: string) => {
    const name = path.join(dir, `numbers-${n++}.txt`);
    await writeFile(name, text);
    return name;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'number-file-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads one integer per line, skipping blank lines and # comments', async () => {
    const name = await file('# years of the corpus\n1990\n\n  -5  \r\n2024 # the last one\n7\n');
    expect(await readNumbersFile(name)).toEqual([1990, -5, 2024, 7]);
  });

  it('reads a JSON array, sorted and without duplicates', async () => {
    expect(await readNumbersFile(await file(' [3, 1e3, 3, -2]\n'))).toEqual([-2, 3, 1000]);
  });

  it.each([
    ['1\n2\n1.5\n', /^--numbers @.*: line 3: "1\.5" is not an integer$/],
    ['1\n\n# c\n9007199254740992\n', /^--numbers @.*: line 4: "9007199254740992" is past ±9007199254740991$/],
    ['1\ntwelve # no\n', /^--numbers @.*: line 2: "twelve" is not an integer$/],
    ['# nothing\n\n', /holds no numbers/],
    ['[1, 2, 1.0000000000000001]', /^--numbers @.*: \[2\] must be an integer .* \(not an integer\)$/],
    ['[1, "2"]', /^--numbers @.*: \[1\] .*the string "2"$/],
    ['[]', /empty list/],
    ['[1, 2', /not valid JSON/],
  ])('refuses %j naming the line or index', async (text, message) => {
    const name = await file(text);
    const error = await readNumbersFile(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(message);
  });

  it('names a file it cannot read', async () => {
    await expect(readNumbersFile(path.join(dir, 'absent.txt'))).rejects.toThrow(
      /^--numbers @.*absent\.txt: ENOENT/,
    );
  });
});
