import { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { ChildOutput, exitOf, killOnExit } from './child-output';

/**
 * A server a test runs as a child process, with its own temp directory: `stop()` ends it (SIGTERM)
 * and resolves once it exited, `restart()` brings it back on the same port and directory, `close()`
 * also removes the directory. A subclass says how to launch it and what it prints once ready.
 */
export abstract class ChildServer {
  private child: ChildProcess | null = null;
  protected readonly output: ChildOutput;

  protected constructor(
    name: string,
    readonly dir: string,
    private readonly stopTimeoutMs: number,
  ) {
    this.output = new ChildOutput(name);
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** What the server printed, for failure messages. */
  log(): string {
    return this.output.text();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await exitOf(child, this.stopTimeoutMs);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its directory; safe to call twice or after a failed start. */
  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  protected abstract launch(): Promise<void>;

  /** Takes `child` as the running server once it prints `ready`; kills it if it does not in time. */
  protected async adopt(child: ChildProcess, ready: RegExp, timeoutMs: number): Promise<void> {
    this.child = child;
    killOnExit(child);
    this.output.attach(child);
    try {
      await this.output.waitFor(ready, timeoutMs, child);
    } catch (error) {
      this.child = null;
      child.kill('SIGKILL');
      throw error;
    }
  }
}
