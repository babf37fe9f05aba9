import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChildServer } from './child-server';

export interface RedisServerOptions {
  /** AOF on, so that a restart (same port, same directory) keeps queues and sweep state. */
  appendonly?: boolean;
  /** How long to wait for "Ready to accept connections". */
  readyTimeoutMs?: number;
  /** The address to listen on (127.0.0.1 unless given: e.g. a veth address that network namespaces reach). */
  bind?: string;
}

const READY = /Ready to accept connections/;

/**
 * A real `redis-server` that a test file starts for itself: on a free port of 127.0.0.1, with its own
 * temp directory, never the machine's Redis. `stop()` shuts it down (SIGTERM: Redis flushes the AOF
 * first), `restart()` brings it back on the same port and directory, `close()` also removes the
 * directory. Call `close()` in afterAll; a process exit kills a server left behind.
 */
export class RedisServer extends ChildServer {
  private constructor(
    readonly port: number,
    dir: string,
    private readonly options: Required<RedisServerOptions>,
  ) {
    // SIGTERM: Redis flushes the AOF before it exits
    super('redis-server', dir, 10_000);
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokensweep-redis-'));
    const server = new RedisServer(await freePort(), dir, {
      appendonly: false,
      readyTimeoutMs: 10_000,
      bind: '127.0.0.1',
      ...options,
    });
    try {
      await server.launch();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `redis://${this.options.bind}:${this.port}`;
  }

  protected async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      this.options.bind,
      // off the loopback, protected mode would refuse the clients the bind is for (the bridge only)
      '--protected-mode',
      this.options.bind === '127.0.0.1' ? 'yes' : 'no',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      this.options.appendonly ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await this.adopt(child, READY, this.options.readyTimeoutMs);
  }
}

/** A TCP port of 127.0.0.1 that nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
