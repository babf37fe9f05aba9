import { existsSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { kernelThreads } from '../compute/cosine-kernel';
import { loadModelMatrix } from '../models/model-matrix';
import { TensorDigests } from '../models/tensor-digests';
import { parseModelRef } from '../models/model-ref';
import { resolveModel } from '../models/model-resolver';
import { NumberTokenizer } from '../models/tokenizer';
import { ChunkJob, PartFile } from '../run-chunk';
import { StorageTarget } from '../storage/sweep-storage';
import { ChunkExecutor, ExecutorClosedError, ExecutorOptions } from './chunk-executor';
import { SharedModelParts, SharedPart, SharedPartValue } from './shared-model-parts';
import { MatrixKind } from '../spec/vocabulary';
import { deserializeError } from './thread-errors';
import { FromThread, RunRequest, ThreadOptions, ToThread } from './thread-messages';

/**
 * The old space a chunk thread's heap starts with. A chunk makes a few MB of short-lived objects
 * while the thread's live heap stays near 10 MB, and from V8's default start (a limit a few MB above
 * the live heap) that cost a full mark-compact every two or three chunks: 37 in a 100-chunk sweep,
 * 0.4–0.7 s of CPU on V8's threads, about a tenth of the run. From 64 MB it is 6–7.
 */
const CHUNK_THREAD_OLD_SPACE_MB = 64;

/**
 * V8 reads its heap flags when it makes an isolate, so the flag set here sizes the threads spawned
 * after it (the main thread's heap is made already), unless the process was given its own.
 */
function startThreadsWithRoom(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) =>
    /--initial[-_]old[-_]space[-_]size/.test(arg),
  );
  if (!given) setFlagsFromString(`--initial-old-space-size=${CHUNK_THREAD_OLD_SPACE_MB}`);
}

interface Pending {
  resolve: (files: PartFile[]) => void;
  reject: (error: Error) => void;
}

type Running = Pending & { id: number };

/**
 * A thread and its chunks: the one it computes, and those whose parts it has handed to the disk and
 * whose writes have not ended. A thread takes its next chunk as soon as it has none to compute, so
 * it encodes one chunk while the parts of the last are synced.
 */
interface Slot {
  worker: Worker;
  computing: Running | null;
  writing: Running[];
}

/**
 * Runs chunk jobs on `size` worker threads, so tokenizing and matrix work never block the caller's
 * event loop and every core is busy. A thread takes its next chunk once the last one's parts are
 * handed to the disk, so no thread waits for a sync while chunks are queued. Each thread keeps its own model cache for the pool's lifetime;
 * the parts of a model (tokenizer, matrix) are loaded by one thread and handed to the rest.
 */
export class ThreadPoolExecutor implements ChunkExecutor {
  private readonly slots: Slot[] = [];
  private readonly queue: { request: RunRequest; pending: Pending }[] = [];
  private readonly parts = new SharedModelParts();
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
    startThreadsWithRoom();
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(i));
  }

  /** Whether the compiled thread script exists (it does not when running from TypeScript sources). */
  static available(): boolean {
    return existsSync(ThreadPoolExecutor.script());
  }

  run(job: ChunkJob, output: StorageTarget): Promise<PartFile[]> {
    if (this.closed) return Promise.reject(new ExecutorClosedError('the thread pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        request: { type: 'run', id: this.nextId++, job, output },
        pending: { resolve, reject },
      });
      this.dispatch();
    });
  }

  /**
   * Loads a model's matrix and tokenizer on this thread while the chunk threads start (a thread takes
   * about a tenth of a second to start and load its modules): the matrix first, and the tokenizer
   * once the matrix's bytes are being read, so that they are read on libuv's threads while this one
   * parses and plans the tokenizer (started together, the tokenizer's parse held up the matrix's
   * first steps, its header and digest, and with them the whole read). Threads that ask for a part
   * meanwhile wait for this load instead of making their own. What fails here is passed to the next
   * thread that asks, which loads it and reports the error with its chunk. Resolves once both are
   * loaded or have failed; never rejects.
   */
  preload(model: string, needsEmbedding: boolean, matrix: MatrixKind, download = true): Promise<void> {
    const { locations, allowLocalModels } = this.options;
    return (async () => {
      const { dir } = await resolveModel(
        parseModelRef(model, allowLocalModels),
        download ? locations : { ...locations, offline: true },
        needsEmbedding,
        matrix,
      );
      const digests = TensorDigests.at(locations.cacheDir);
      const loads: Promise<void>[] = [];
      if (needsEmbedding) {
        let onReading!: () => void;
        const reading = new Promise<void>((resolve) => (onReading = resolve));
        const matrixLoad = this.loadPart({ kind: 'embedding', dir, matrix }, () =>
          loadModelMatrix(dir, matrix, { shared: true, digests, onReading }),
        );
        loads.push(matrixLoad);
        await Promise.race([reading, matrixLoad]); // the load may end (or not be made here) before any read
      }
      loads.push(this.loadPart({ kind: 'tokenizer', dir }, () => NumberTokenizer.loadSource(dir)));
      await Promise.all(loads);
    })().catch(() => undefined); // a model that does not resolve: its chunks' threads say why
  }

  /** Loads `part` here for the threads, unless one of them loads it or has already. */
  private async loadPart<P extends SharedPart>(
    part: P,
    load: () => Promise<SharedPartValue<P>>,
  ): Promise<void> {
    if ((await this.parts.request(part, this)) !== null) return;
    try {
      this.parts.offer(part, await load());
    } catch {
      this.parts.failed(part);
    }
  }

  /**
   * Stops every thread, at once: chunks still running or queued fail with ExecutorClosedError (so
   * nobody waits on them forever). A part file already handed to the disk is finished first (a
   * thread's exit waits for its writes in libuv's pool, so none lands after this resolves); an
   * upload cut short stays incomplete, which finishing the sweep aborts. Once, however often it is called.
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
    for (const slot of this.slots) for (const chunk of takeAll(slot)) chunk.reject(closing);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private static script(): string {
    return path.join(__dirname, 'chunk-thread.js');
  }

  /** The thread of slot `index`: every other slot asks for a model's matrix first (ModelPartLoaders). */
  private spawn(index: number): Slot {
    const workerData: ThreadOptions = { ...this.options, embeddingsFirst: index % 2 === 1 };
    const worker = new Worker(this.script, { workerData });
    const slot: Slot = { worker, computing: null, writing: [] };
    worker.on('message', (message: FromThread) => {
      if (message.type === 'encoded') return this.onEncoded(slot, message.id);
      if (message.type !== 'result') return this.onPartMessage(worker, message);
      const reply = message;
      const chunk = take(slot, reply.id);
      if (!chunk) return;
      if ('files' in reply) chunk.resolve(reply.files);
      else chunk.reject(deserializeError(reply.error));
      this.dispatch();
    });
    worker.on('error', (error) => this.replace(slot, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.replace(slot, new Error(`a chunk thread exited with code ${code}`));
    });
    return slot;
  }

  /** The chunk a thread computes has its parts on their way to the disk: the thread can take another. */
  private onEncoded(slot: Slot, id: number): void {
    if (slot.computing?.id !== id) return;
    slot.writing.push(slot.computing);
    slot.computing = null;
    this.dispatch();
  }

  /** Each part of a model is loaded by one thread for all: the pool brokers who loads it and hands it out. */
  private onPartMessage(worker: Worker, message: Exclude<FromThread, { type: 'result' | 'encoded' }>): void {
    const { part } = message;
    switch (message.type) {
      case 'part-request':
        void this.parts
          .request(part, worker)
          .then((value) =>
            worker.postMessage(
              (value ? { type: 'part', part, value } : { type: 'part-load', part }) satisfies ToThread,
            ),
          );
        return;
      case 'part-loaded':
        return this.parts.offer(part, message.value);
      case 'part-failed':
        return this.parts.failed(part);
    }
  }

  /** A thread that died fails its chunks (the caller may retry them) and is replaced by a fresh one. */
  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    for (const chunk of takeAll(slot)) chunk.reject(error);
    this.parts.forget(slot.worker);
    void slot.worker.terminate();
    if (this.closed) return;
    this.slots[index] = this.spawn(index);
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.computing || this.queue.length === 0) continue;
      const { request, pending } = this.queue.shift()!;
      slot.computing = { ...pending, id: request.id };
      slot.worker.postMessage(request);
    }
  }
}

/** Removes chunk `id` from its slot, whether it was computing or writing. */
function take(slot: Slot, id: number): Running | undefined {
  if (slot.computing?.id === id) {
    const chunk = slot.computing;
    slot.computing = null;
    return chunk;
  }
  const at = slot.writing.findIndex((chunk) => chunk.id === id);
  return at < 0 ? undefined : slot.writing.splice(at, 1)[0];
}

/** Every chunk of a slot, which no longer has any. */
function takeAll(slot: Slot): Running[] {
  const chunks = [...slot.writing, ...(slot.computing ? [slot.computing] : [])];
  slot.computing = null;
  slot.writing = [];
  return chunks;
}
