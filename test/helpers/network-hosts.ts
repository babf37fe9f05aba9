import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

/**
 * Separate hosts on one machine: a network namespace per host, each joined by a veth pair to a
 * bridge that carries a private /24 (10.213.N.0/24, used only here). The machine side of the bridge
 * is `gateway` (where Redis and the S3 server listen); host i is `10.213.N.(10+i)`. A host reaches
 * nothing but the bridge: not the machine's loopback, not its other interfaces. Names are unique
 * per instance and everything is deleted by `destroy()`. Needs root (CI runs as root).
 */
export class NetworkHosts {
  private constructor(
    readonly id: string,
    readonly subnet: number,
    readonly names: string[],
  ) {}

  static async create(count: number): Promise<NetworkHosts> {
    const id = randomBytes(2).toString('hex');
    const used = await ip('-4', '-o', 'addr', 'show');
    const free = Array.from({ length: 240 }, (_, i) => i + 10).filter((n) => !used.includes(`10.213.${n}.`));
    const subnet = free[randomBytes(1)[0] % free.length];
    const hosts = new NetworkHosts(
      id,
      subnet,
      Array.from({ length: count }, (_, i) => `ts-${id}-h${i}`),
    );
    try {
      await ip('link', 'add', hosts.bridge, 'type', 'bridge');
      await ip('addr', 'add', `${hosts.gateway}/24`, 'dev', hosts.bridge);
      await ip('link', 'set', hosts.bridge, 'up');
      for (const [i, name] of hosts.names.entries()) {
        const [outside, inside] = [`tsv${id}${i}`, `tsp${id}${i}`];
        await ip('netns', 'add', name);
        await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
        await ip('link', 'set', inside, 'netns', name);
        await ip('link', 'set', outside, 'master', hosts.bridge);
        await ip('link', 'set', outside, 'up');
        await ip('-n', name, 'addr', 'add', `${hosts.address(i)}/24`, 'dev', inside);
        await ip('-n', name, 'link', 'set', inside, 'up');
        await ip('-n', name, 'link', 'set', 'lo', 'up');
      }
    } catch (error) {
      await hosts.destroy();
      throw error;
    }
    return hosts;
  }

  get bridge(): string {
    return `tsbr-${this.id}`;
  }

  /** The machine's address on the bridge. */
  get gateway(): string {
    return `10.213.${this.subnet}.1`;
  }

  address(host: number): string {
    return `10.213.${this.subnet}.${10 + host}`;
  }

  /** The command prefix that runs a program on host `host`. */
  wrapper(host: number): string[] {
    return ['ip', 'netns', 'exec', this.names[host]];
  }

  /** Slows host `host`'s sending to `rate` (tc tbf on its side of the veth), e.g. '2mbit'. */
  async throttle(host: number, rate: string): Promise<void> {
    await run('ip', [
      ...['netns', 'exec', this.names[host]],
      ...['tc', 'qdisc', 'add', 'dev', `tsp${this.id}${host}`, 'root'],
      ...['tbf', 'rate', rate, 'burst', '16kb', 'latency', '1s'],
    ]);
  }

  /** Deletes the namespaces (their veth ends go with them) and the bridge; tolerates a half creation. */
  async destroy(): Promise<void> {
    for (const name of this.names) await ip('netns', 'del', name).catch(() => undefined);
    await ip('link', 'del', this.bridge).catch(() => undefined);
  }
}
