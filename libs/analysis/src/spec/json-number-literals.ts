/**
 * The source text of each element of one array in a JSON document, as written: `JSON.parse` rounds
 * `9007199254740993` to `…992` and `1.0000000000000001` to `1`, so only the text can tell whether an
 * element really is a safe integer. An element that is not a number literal gives null.
 */
export type ArrayLiterals = (string | null)[];

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * The literals of the array at the top of `json` (`key` undefined), or of the array under the
 * top-level object's `key`. Null when there is no such array; `json` must be valid JSON (parse it
 * first: this scanner does not report syntax errors, it only reads).
 */
export function jsonArrayLiterals(json: string, key?: string): ArrayLiterals | null {
  const scanner = new Scanner(json);
  scanner.space();
  if (key === undefined) return scanner.peek() === '[' ? scanner.arrayLiterals() : null;
  if (scanner.peek() !== '{') return null;
  scanner.next();
  let found: ArrayLiterals | null = null;
  while ((scanner.space(), scanner.peek() === '"')) {
    const name = scanner.string();
    scanner.space();
    scanner.next(); // ':'
    scanner.space();
    // the last occurrence wins, as with JSON.parse
    if (name === key) found = scanner.peek() === '[' ? scanner.arrayLiterals() : (scanner.skipValue(), null);
    else scanner.skipValue();
    scanner.space();
    if (scanner.peek() === ',') scanner.next();
  }
  return found;
}

class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  peek(): string {
    return this.text[this.at];
  }

  next(): string {
    return this.text[this.at++];
  }

  space(): void {
    WHITESPACE.lastIndex = this.at;
    WHITESPACE.exec(this.text);
    this.at = WHITESPACE.lastIndex;
  }

  arrayLiterals(): ArrayLiterals {
    const literals: ArrayLiterals = [];
    this.next(); // '['
    this.space();
    if (this.peek() === ']') {
      this.next();
      return literals;
    }
    for (;;) {
      this.space();
      NUMBER.lastIndex = this.at;
      const match = NUMBER.exec(this.text);
      if (match) {
        literals.push(match[0]);
        this.at = NUMBER.lastIndex;
      } else {
        literals.push(null);
        this.skipValue();
      }
      this.space();
      if (this.next() !== ',') return literals; // ']' (or the end of malformed input)
    }
  }

  /** Reads a string token and returns its value. */
  string(): string {
    const start = this.at;
    this.next(); // '"'
    while (this.at < this.text.length) {
      const c = this.next();
      if (c === '\\') this.at++;
      else if (c === '"') break;
    }
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  /** Steps over one value of any kind, nested containers included. */
  skipValue(): void {
    let depth = 0;
    do {
      this.space();
      const c = this.peek();
      if (c === undefined) return;
      if (c === '"') {
        this.string();
      } else if (c === '[' || c === '{' || c === ']' || c === '}') {
        depth += c === '[' || c === '{' ? 1 : -1;
        this.next();
      } else if (c === ',' || c === ':') {
        this.next();
      } else {
        while (this.at < this.text.length && !/[\s,:\]}]/.test(this.peek())) this.next();
      }
    } while (depth > 0);
  }
}
