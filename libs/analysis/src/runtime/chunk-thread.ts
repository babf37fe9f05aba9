import { parentPort, workerData } from 'node:worker_threads';
import { ExecutorOptions, InProcessExecutor } from './chunk-executor';
import { serializeError } from './thread-errors';
import { FromThread, RunReply, ToThread } from './thread-messages';
import { sharedModelPartLoaders, sharedPartLoader } from './thread-model-parts';

if (parentPort) {
  const port = parentPort;
  const executor = new InProcessExecutor(
    workerData as ExecutorOptions,
    sharedModelPartLoaders(sharedPartLoader(port)),
  );
  port.on('message', async (message: ToThread) => {
    if (message.type !== 'run') return;
    let reply: RunReply;
    try {
      reply = { type: 'result', id: message.id, files: await executor.run(message.job, message.output) };
    } catch (error) {
      reply = { type: 'result', id: message.id, error: serializeError(error) };
    }
    port.postMessage(reply satisfies FromThread);
  });
}
