import { ChunkExecutor, ExecutorOptions, InProcessExecutor } from './chunk-executor';
import { ThreadPoolExecutor } from './thread-pool-executor';

/**
 * The one way a process gets its executor: `threads` worker threads (so its event loop stays free
 * and every core works), or the calling thread itself for 0 threads, or when the compiled thread
 * script is absent (running from TypeScript sources).
 */
export function createExecutor(threads: number, options: ExecutorOptions): ChunkExecutor {
  return threads > 0 && ThreadPoolExecutor.available()
    ? new ThreadPoolExecutor(threads, options)
    : new InProcessExecutor(options);
}
