import { ChildProcess } from 'node:child_process';

// Nest colours its log lines unless NO_COLOR is set; strip colours anyway before matching.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Everything a child process prints (stdout and stderr interleaved, colours stripped), kept for
 * failure messages, and a way to await the line that says it is ready.
 */
export class ChildOutput {
  private buffer = '';
  private readonly listeners = new Set<() => void>();

  constructor(private readonly label: string) {}

  attach(child: ChildProcess): void {
    const take = (chunk: string) => {
      this.buffer += chunk.replace(ANSI, '');
      for (const listener of this.listeners) listener();
    };
    child.stdout?.setEncoding('utf8').on('data', take);
    child.stderr?.setEncoding('utf8').on('data', take);
    child.on('exit', (code, signal) => take(`[${this.label} exited: code ${code}, signal ${signal}]\n`));
  }

  text(): string {
    return this.buffer;
  }

  /** The last `lines` lines, labelled, for an assertion message. */
  tail(lines = 40): string {
    const all = this.buffer.trimEnd().split('\n');
    return `--- ${this.label} (last ${Math.min(lines, all.length)} lines) ---\n${all.slice(-lines).join('\n')}`;
  }

  /**
   * Resolves with the first match of `pattern` in the output (already printed or still to come);
   * rejects, quoting the output, if `child` exits first or `timeoutMs` passes.
   */
  waitFor(pattern: RegExp, timeoutMs: number, child?: ChildProcess): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null, match?: RegExpMatchArray) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        child?.off('exit', exited);
        if (error) reject(error);
        else resolve(match!);
      };
      const check = () => {
        const match = this.buffer.match(pattern);
        if (match) finish(null, match);
      };
      const exited = (code: number | null, signal: string | null) =>
        finish(
          new Error(
            `${this.label} exited (code ${code}, signal ${signal}) before printing ${pattern}\n${this.tail()}`,
          ),
        );
      const timer = setTimeout(
        () => finish(new Error(`${this.label} printed no ${pattern} within ${timeoutMs} ms\n${this.tail()}`)),
        timeoutMs,
      );
      this.listeners.add(check);
      child?.on('exit', exited);
      if (child && child.exitCode !== null) exited(child.exitCode, child.signalCode);
      else check();
    });
  }
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Sends `signal` (SIGTERM by default) and resolves with how the process ended; a process still
 * running after `timeoutMs` is killed with SIGKILL (and the result says so).
 */
export function exitOf(
  child: ChildProcess,
  timeoutMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ code, signal: exitSignal });
    });
    child.kill(signal);
  });
}

const living = new Set<ChildProcess>();
let hooked = false;

/** Kills `child` if this test process exits while it still runs (a crashed or interrupted test run). */
export function killOnExit(child: ChildProcess): void {
  living.add(child);
  child.once('exit', () => living.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of living) c.kill('SIGKILL');
  });
}
