import { ConfigValueError, Environment } from './config-parsers';
import { ConfigVariable } from './config-variables';

/** Reads declared variables from an environment, collecting one line per bad value. */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Environment) {}

  /** The variable's value (its default when unset or empty); a bad value is noted and the default used. */
  read<T>(variable: ConfigVariable<T>): T {
    const value = this.env[variable.name];
    const raw = value === undefined || value === '' ? undefined : value;
    try {
      return variable.parser.parse(raw, this.env);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      this.problems.push(`${variable.name}=${raw}: ${error.message}`);
      return variable.parser.parse(undefined, this.env);
    }
  }

  /** Whether the variable is set (to something other than the empty string). */
  isSet(variable: ConfigVariable): boolean {
    const value = this.env[variable.name];
    return value !== undefined && value !== '';
  }

  /** Throws a ConfigError listing every bad value read so far, if any. */
  check(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

/** A configuration that cannot start a process; the message lists every bad variable, one a line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}
