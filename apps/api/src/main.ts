import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TOOL_VERSION } from '@tokensweep/analysis';
import { configOrExit, evictionWarning, REDIS, redisReady, SweepQueue } from '@tokensweep/queue';
import { Redis } from 'ioredis';
import { AppModule } from './app.module';
import { ApiConfig, readApiConfig } from './config/api-config';
import { PAGE_DIR } from './controllers/page.controller';
import { mountBullBoard } from './bull-board';
import { apiKeyMiddleware } from './guards/api-key.middleware';

/** Builds the API application (without listening). */
export async function createApi(config: ApiConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    // the JSON parser keeps each body's text: a numbers list is checked on it (parsing rounds)
    rawBody: true,
    logger: ['log', 'warn', 'error'],
  });
  app.set('trust proxy', 'loopback');
  app.use(apiKeyMiddleware(config.apiKey));
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.useStaticAssets(PAGE_DIR, { prefix: '/assets/', index: false });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('tokensweep')
      .setDescription(
        'Submit sweeps of integers through model tokenizers and embeddings; fetch their Parquet results.',
      )
      .setVersion(TOOL_VERSION)
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  mountBullBoard(app, app.get(SweepQueue));
  app.enableShutdownHooks();
  return app;
}

async function bootstrap(): Promise<void> {
  const logger = new Logger('Api');
  const config = configOrExit(readApiConfig, (message) => logger.error(message));
  const app = await createApi(config);
  const redis = app.get<Redis>(REDIS);
  if (!(await redisReady(redis, 10_000))) {
    logger.warn(`Redis at ${config.redisUrl} does not answer yet; /health/ready says 503 until it does`);
  }
  const warning = await evictionWarning(redis);
  if (warning) logger.warn(warning);
  await app.listen(config.port);
  logger.log(`tokensweep API listening on ${await app.getUrl()} (results in ${config.resultsDir})`);
}

if (require.main === module) void bootstrap();
