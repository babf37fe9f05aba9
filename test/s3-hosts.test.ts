import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';
import { DEMO_MODELS } from './helpers/distributed-stack';
import { analysisTable, DuckDb } from './helpers/duckdb';
import { awaitActiveChunk, pollUntil } from './helpers/faults';
import { NetworkHosts } from './helpers/network-hosts';
import { RedisServer } from './helpers/redis-server';
import { runCliOk } from './helpers/run-cli';
import { S3Server } from './helpers/s3-server';
import { ServiceProcess, startApi, WORKER_MAIN } from './helpers/services';
import { SweepApi } from './helpers/sweep-api';
import { TestWorkspace } from './helpers/test-model';

/**
 * Workers on other hosts, sharing no filesystem: each in a network namespace of its own, reaching
 * Redis and the S3 server only over a bridge of veth pairs, each with a directory of its own (its
 * models, its working directory) that results must never land in. The sweep equals the embedded
 * run row for row, and a worker killed (SIGKILL) while it uploads a part loses nothing and leaves
 * no partial object: its upload stays incomplete, invisible, and the chunk is run again elsewhere.
 */
const ANALYSES = ['tokens', 'successive-cosine', 'cosine-matrix'];
const MODELS = Object.keys(DEMO_MODELS);
const FORMATS = ['plain', 'space'];
const SPEC = {
  models: MODELS,
  numbers: '0..599',
  formats: FORMATS,
  analyses: ANALYSES,
  pooling: 'mean',
  chunkSize: 200,
  tileSize: 300,
};
const PREFIX = 'hosts';

describe('workers on separate hosts, results in S3', () => {
  let hosts: NetworkHosts;
  let redis: RedisServer;
  let s3: S3Server;
  let workspace: TestWorkspace;
  let api: SweepApi;
  let db: DuckDb;
  let inspector: Redis;
  let chunkQueue: Queue;
  const services: ServiceProcess[] = [];
  const workers: { process: ServiceProcess; pid: number; dir: string }[] = [];
  let env: Record<string, string>;

  const logs = () => services.map((p) => p.output.tail(30)).join('\n');
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.error(`${task.name}: the services said\n${logs()}`);
  });

  /** A host's own directory: its models and cache, its working directory. */
  async function hostDir(name: string): Promise<string> {
    const dir = path.join(workspace.root, name);
    await Promise.all(
      Object.entries(DEMO_MODELS).map(([model, seed]) =>
        writeDemoModel(path.join(dir, 'models', model), { seed }),
      ),
    );
    return dir;
  }

  beforeAll(async () => {
    hosts = await NetworkHosts.create(2);
    workspace = await TestWorkspace.create('s3-hosts');
    redis = await RedisServer.start({ bind: hosts.gateway });
    s3 = await S3Server.start({ address: hosts.gateway });
    env = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `ts-hosts-${hosts.id}`,
      ...s3.env(PREFIX),
      HF_HUB_OFFLINE: '1',
      WORKER_CONCURRENCY: '1',
      // a killed worker's chunk goes to the other one within seconds
      LOCK_DURATION_MS: '2000',
      STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    const apiDir = await hostDir('api');
    const started = await startApi({
      ...env,
      MODELS_DIR: path.join(apiDir, 'models'),
      HF_HOME: path.join(apiDir, 'hf'),
    });
    services.push(started.process);
    api = new SweepApi(started.url);
    for (let i = 0; i < 2; i++) {
      const dir = await hostDir(`host-${i}`);
      const worker = ServiceProcess.spawn(
        `worker on host ${i}`,
        WORKER_MAIN,
        {
          ...env,
          MODELS_DIR: path.join(dir, 'models'),
          HF_HOME: path.join(dir, 'hf'),
          HOME: dir,
          TMPDIR: dir,
        },
        undefined,
        { cwd: dir, wrapper: hosts.wrapper(i) },
      );
      services.push(worker);
      const [, pid] = await worker.waitFor(/worker (\d+) ready/);
      workers.push({ process: worker, pid: Number(pid), dir });
    }
    inspector = new Redis(redis.url, { maxRetriesPerRequest: null });
    chunkQueue = new Queue('chunks', { connection: inspector, prefix: env.QUEUE_PREFIX });
    db = await DuckDb.open();
  }, 60_000);

  afterAll(async () => {
    db?.close();
    await chunkQueue?.close();
    inspector?.disconnect();
    await Promise.all(services.map((p) => p.stop()));
    await s3?.close();
    await redis?.close();
    await hosts?.destroy();
    await workspace?.cleanup();
  });

  it('puts each worker on a host that has only its bridge address', async () => {
    for (let i = 0; i < 2; i++) {
      const { stdout } = await promisify(execFile)('ip', ['-n', hosts.names[i], '-4', '-o', 'addr', 'show']);
      const addresses = [...stdout.matchAll(/inet (\S+)/g)].map((m) => m[1]).sort();
      expect(addresses).toEqual([`${hosts.address(i)}/24`, '127.0.0.1/8'].sort());
    }
  });

  it('completes a sweep equal to the embedded run, though one worker is killed mid-upload', async () => {
    await hosts.throttle(0, '2mbit');
    const { id } = await api.submit(SPEC);
    const victim = workers[0];
    // the victim holds a chunk, and a part of it is arriving (slowly) at the store: kill it there
    const inFlight = await pollUntil(
      async () => {
        const uploads = (await s3.uploadsInProgress()).filter((u) => u.bytes >= 32 * 1024);
        if (uploads.length === 0) return null;
        const held = await awaitActiveChunk(chunkQueue, id, { among: [victim.pid], timeoutMs: 30_000 });
        return { upload: uploads[0], job: held.job };
      },
      (found) => found !== null,
      {
        timeoutMs: 40_000,
        intervalMs: 20,
        what: 'an upload of the throttled worker under way',
        context: logs,
      },
    );
    process.kill(victim.pid, 'SIGKILL');
    console.log(
      `killed worker ${victim.pid} with ${inFlight!.upload.bytes} bytes of ${inFlight!.upload.key} received`,
    );
    await victim.process.stop(5_000);
    expect(inFlight!.upload.key).toMatch(new RegExp(`^${PREFIX}/${id}/.*\\.parquet$`));

    await api.awaitStatus(id, 'completed', { timeoutMs: 60_000, context: logs });
    const manifest = JSON.parse((await s3.get(`${PREFIX}/${id}/manifest.json`)).toString('utf8'));
    const objects = await s3.objects(`${PREFIX}/${id}`);
    // exactly the listed parts and the three JSON files: no partial object, no temporary one
    expect(objects.map((o) => o.key)).toEqual(
      [
        ...manifest.files.map((f: { path: string }) => f.path),
        'manifest.json',
        'spec.json',
        'summary.json',
      ].sort(),
    );
    for (const file of manifest.files as { path: string; bytes: number }[])
      expect(objects.find((o) => o.key === file.path)!.size, file.path).toBe(file.bytes);
    // the part cut off is there, whole, written again by the other worker
    const cutOff = inFlight!.upload.key.slice(`${PREFIX}/${id}/`.length);
    expect(manifest.files.map((f: { path: string }) => f.path)).toContain(cutOff);
    // s3rver lists no incomplete uploads (501): finishing says so and carries on
    expect(workers[1].process.output.text()).toMatch(
      /does not list incomplete multipart uploads \(501 NotImplemented\); nothing to abort/,
    );

    const downloaded = workspace.out('downloaded');
    await s3.download(`${PREFIX}/${id}`, downloaded);
    const embedded = workspace.out('embedded');
    const flags = [
      ...MODELS.flatMap((m) => ['--model', m]),
      ...['--numbers', SPEC.numbers, '--pooling', 'mean', '--chunk-size', '200', '--tile-size', '300'],
      ...FORMATS.flatMap((f) => ['--format', f]),
      ...ANALYSES.flatMap((a) => ['--analysis', a]),
    ];
    await runCliOk(['run', ...flags, '--out', embedded], {
      MODELS_DIR: path.join(workspace.root, 'api', 'models'),
      HF_HOME: path.join(workspace.root, 'api', 'hf'),
    });
    const count = async (sql: string) => Number(await db.value(`select count(*) from (${sql})`));
    for (const analysis of ANALYSES) {
      const a = analysisTable(downloaded, analysis);
      const b = analysisTable(embedded, analysis);
      expect(await count(`select * from ${b}`), analysis).toBeGreaterThan(0);
      expect(await count(`select * from ${a}`), analysis).toBe(await count(`select * from ${b}`));
      expect(await count(`select * from ${a} except all select * from ${b}`), analysis).toBe(0);
      expect(await count(`select * from ${b} except all select * from ${a}`), analysis).toBe(0);
    }

    // the hosts' own directories hold their models, their own cache (~/.cache/tokensweep: the
    // matrices' digests) and nothing of the results
    const own = (f: string) => f.startsWith('models') || f.startsWith(path.join('.cache', 'tokensweep'));
    for (const { dir } of workers) {
      expect(existsSync(path.join(dir, 'results'))).toBe(false);
      const files = (await readdir(dir, { recursive: true })).map(String);
      expect(files.filter((f) => f.endsWith('.parquet') || (f.endsWith('.json') && !own(f)))).toEqual([]);
    }
  });
});
