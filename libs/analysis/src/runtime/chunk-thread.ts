import { parentPort, workerData } from 'node:worker_threads';
import { ChunkJob } from '../run-chunk';
import { ExecutorOptions, InProcessExecutor } from './chunk-executor';

/** A worker thread of the pool: runs the chunk jobs it is sent, one at a time, and answers each. */
export interface ThreadRequest {
  id: number;
  job: ChunkJob;
  sweepDir: string;
}

export type ThreadReply = { id: number; files: import('../run-chunk').PartFile[] } | { id: number; error: { name: string; message: string } };

if (parentPort) {
  const port = parentPort;
  const executor = new InProcessExecutor(workerData as ExecutorOptions);
  port.on('message', async (request: ThreadRequest) => {
    let reply: ThreadReply;
    try {
      reply = { id: request.id, files: await executor.run(request.job, request.sweepDir) };
    } catch (error) {
      const e = error as Error;
      reply = { id: request.id, error: { name: e.name ?? 'Error', message: e.message ?? String(error) } };
    }
    port.postMessage(reply);
  });
}
