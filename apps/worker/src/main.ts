import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeTarget } from '@tokensweep/analysis';
import { configOrExit, createRedis, evictionWarning } from '@tokensweep/queue';
import { readWorkerConfig } from './config/worker-config';
import { WorkerModule } from './worker.module';

/** A worker process: takes chunk and finalize jobs from Redis until SIGTERM/SIGINT, then drains and exits 0. */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Worker');
  const config = configOrExit(readWorkerConfig, (message) => logger.error(message));
  const probe = createRedis(config.redisUrl, 'worker');
  const warning = await evictionWarning(probe);
  probe.disconnect();
  if (warning) logger.warn(warning);

  const app = await NestFactory.createApplicationContext(WorkerModule.forConfig(config), {
    logger: ['log', 'warn', 'error'],
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: no new jobs; finishing active ones within ${config.shutdownTimeoutMs} ms`);
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  logger.log(`worker ${process.pid} ready (results in ${describeTarget(config.results)})`);
}

void bootstrap();
