import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { kernelThreads } from '../compute/cosine-kernel';
import { ChunkJob, PartFile } from '../run-chunk';
import { ChunkExecutor, ExecutorClosedError, ExecutorOptions } from './chunk-executor';
import { SharedEmbeddings } from './shared-embeddings';
import { deserializeError } from './thread-errors';
import { FromThread, RunRequest, ToThread } from './thread-messages';

interface Pending {
  resolve: (files: PartFile[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: (Pending & { id: number }) | null;
}

/**
 * Runs chunk jobs on `size` worker threads, so tokenizing and matrix work never block the caller's
 * event loop and every core is busy. Each thread keeps its own model cache for the pool's lifetime.
 */
export class ThreadPoolExecutor implements ChunkExecutor {
  private readonly slots: Slot[] = [];
  private readonly queue: { request: RunRequest; pending: Pending }[] = [];
  private readonly embeddings = new SharedEmbeddings();
  private nextId = 0;
  private closed = false;

  private readonly options: ExecutorOptions;

  /** `script` is the thread's module: the compiled chunk thread, or in tests a stand-in speaking its messages. */
  constructor(
    size: number,
    options: ExecutorOptions,
    private readonly script = ThreadPoolExecutor.script(),
  ) {
    // `size` chunks run at once, each may be a matrix tile: the cores are shared out among their kernels
    this.options = { kernelThreads: kernelThreads(size), ...options };
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Whether the compiled thread script exists (it does not when running from TypeScript sources). */
  static available(): boolean {
    return existsSync(ThreadPoolExecutor.script());
  }

  run(job: ChunkJob, sweepDir: string): Promise<PartFile[]> {
    if (this.closed) return Promise.reject(new ExecutorClosedError('the thread pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        request: { type: 'run', id: this.nextId++, job, sweepDir },
        pending: { resolve, reject },
      });
      this.dispatch();
    });
  }

  /**
   * Stops every thread, at once: chunks still running or queued fail with ExecutorClosedError (so
   * nobody waits on them forever). A part being written is left under its temporary name, which
   * finishing the sweep removes. Once, however often it is called.
   */
  close(): Promise<void> {
    this.closing ??= this.terminate();
    return this.closing;
  }

  private closing?: Promise<void>;

  private async terminate(): Promise<void> {
    this.closed = true;
    const closing = new ExecutorClosedError('the thread pool closed before this chunk finished');
    for (const { pending } of this.queue.splice(0)) pending.reject(closing);
    for (const slot of this.slots) {
      slot.busy?.reject(closing);
      slot.busy = null;
    }
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private static script(): string {
    return path.join(__dirname, 'chunk-thread.js');
  }

  private spawn(): Slot {
    const worker = new Worker(this.script, { workerData: this.options });
    const slot: Slot = { worker, busy: null };
    worker.on('message', (message: FromThread) => {
      if (message.type !== 'result') return this.onEmbeddingMessage(worker, message);
      const reply = message;
      const busy = slot.busy;
      slot.busy = null;
      if (!busy || busy.id !== reply.id) return;
      if ('files' in reply) busy.resolve(reply.files);
      else busy.reject(deserializeError(reply.error));
      this.dispatch();
    });
    worker.on('error', (error) => this.replace(slot, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.replace(slot, new Error(`a chunk thread exited with code ${code}`));
    });
    return slot;
  }

  /** Threads share one copy of each embedding matrix: the pool brokers who loads it and hands it out. */
  private onEmbeddingMessage(worker: Worker, message: Exclude<FromThread, { type: 'result' }>): void {
    const send = (answer: ToThread) => worker.postMessage(answer);
    // one shared copy per directory and matrix kind
    const key = `${message.kind}\u0000${message.dir}`;
    const { dir, kind } = message;
    switch (message.type) {
      case 'embedding-request':
        void this.embeddings
          .request(key, worker)
          .then((matrix) =>
            send(matrix ? { type: 'embedding', dir, kind, matrix } : { type: 'embedding-load', dir, kind }),
          );
        return;
      case 'embedding-loaded':
        return this.embeddings.offer(key, message.matrix);
      case 'embedding-failed':
        return this.embeddings.failed(key);
    }
  }

  /** A thread that died fails its chunk (the caller may retry it) and is replaced by a fresh one. */
  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.busy?.reject(error);
    slot.busy = null;
    this.embeddings.forget(slot.worker);
    void slot.worker.terminate();
    if (this.closed) return;
    this.slots[index] = this.spawn();
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const { request, pending } = this.queue.shift()!;
      slot.busy = { ...pending, id: request.id };
      slot.worker.postMessage(request);
    }
  }
}
