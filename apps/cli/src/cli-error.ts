/** A failure the CLI reports as one line on stderr with its exit code (2: bad input, 1: the work failed). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}
