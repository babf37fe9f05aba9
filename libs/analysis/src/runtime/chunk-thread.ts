import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { EmbeddingMatrix } from '../models/embeddings';
import { loadModelMatrix } from '../models/model-matrix';
import { MatrixKind } from '../spec/vocabulary';
import { ExecutorOptions, InProcessExecutor } from './chunk-executor';
import { serializeError } from './thread-errors';
import { FromThread, RunReply, ToThread } from './thread-messages';

/**
 * Asks the pool for a model's embedding matrix, so that all threads share one copy in shared memory:
 * the first thread to ask loads it and hands it over; the others wait for it.
 */
function sharedEmbeddings(port: MessagePort) {
  const waiting = new Map<string, ((answer: ToThread) => void)[]>();
  port.on('message', (message: ToThread) => {
    if (message.type === 'run') return;
    const key = `${message.kind}\u0000${message.dir}`;
    const resolvers = waiting.get(key) ?? [];
    waiting.delete(key);
    for (const resolve of resolvers) resolve(message);
  });
  const send = (message: FromThread) => port.postMessage(message);
  return async (dir: string, kind: MatrixKind): Promise<EmbeddingMatrix> => {
    const key = `${kind}\u0000${dir}`;
    const answer = await new Promise<ToThread>((resolve) => {
      waiting.set(key, [...(waiting.get(key) ?? []), resolve]);
      send({ type: 'embedding-request', dir, kind });
    });
    if (answer.type === 'embedding') return answer.matrix;
    try {
      const matrix = await loadModelMatrix(dir, kind, true);
      send({ type: 'embedding-loaded', dir, kind, matrix });
      return matrix;
    } catch (error) {
      send({ type: 'embedding-failed', dir, kind });
      throw error;
    }
  };
}

if (parentPort) {
  const port = parentPort;
  const executor = new InProcessExecutor(workerData as ExecutorOptions, sharedEmbeddings(port));
  port.on('message', async (message: ToThread) => {
    if (message.type !== 'run') return;
    let reply: RunReply;
    try {
      reply = { type: 'result', id: message.id, files: await executor.run(message.job, message.sweepDir) };
    } catch (error) {
      reply = { type: 'result', id: message.id, error: serializeError(error) };
    }
    port.postMessage(reply satisfies FromThread);
  });
}
