import { parentPort, workerData } from 'node:worker_threads';
import { TensorDigests } from '../models/tensor-digests';
import { InProcessExecutor } from './chunk-executor';
import { serializeError } from './thread-errors';
import { FromThread, RunReply, ThreadOptions, ToThread } from './thread-messages';
import { sharedModelPartLoaders, sharedPartLoader } from './thread-model-parts';

if (parentPort) {
  const port = parentPort;
  const options = workerData as ThreadOptions;
  const executor = new InProcessExecutor(
    options,
    sharedModelPartLoaders(
      sharedPartLoader(port),
      options.embeddingsFirst,
      TensorDigests.at(options.locations.cacheDir),
    ),
  );
  port.on('message', async (message: ToThread) => {
    if (message.type !== 'run') return;
    let reply: RunReply;
    const { id } = message;
    const encoded = () => port.postMessage({ type: 'encoded', id } satisfies FromThread);
    try {
      reply = {
        type: 'result',
        id,
        files: await executor.run(message.job, message.output, { onEncoded: encoded }),
      };
    } catch (error) {
      reply = { type: 'result', id, error: serializeError(error) };
    }
    port.postMessage(reply satisfies FromThread);
  });
}
