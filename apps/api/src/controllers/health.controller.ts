import { access, constants, mkdir } from 'node:fs/promises';
import { Controller, Get, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { REDIS, SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';
import { Redis } from 'ioredis';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** Liveness: the process answers, whatever Redis does. */
  @Get()
  live() {
    return { status: 'ok' };
  }

  /** Readiness: Redis answers PING and the results directory is writable; 503 saying which is not. */
  @Get('ready')
  async ready() {
    const checks = { redis: await this.redisCheck(), resultsDir: await this.resultsDirCheck() };
    const ok = checks.redis === 'ok' && checks.resultsDir === 'ok';
    if (!ok)
      throw new HttpException(
        { statusCode: 503, error: 'Service Unavailable', message: 'not ready', checks },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    return { status: 'ready', checks };
  }

  private async redisCheck(): Promise<string> {
    try {
      const pong = await Promise.race([
        this.redis.ping(),
        new Promise<string>((_, reject) => setTimeout(() => reject(new Error('timed out')), 1_000)),
      ]);
      return pong === 'PONG' ? 'ok' : `unexpected answer ${pong}`;
    } catch (error) {
      return `unreachable at ${this.config.redisUrl}: ${(error as Error).message}`;
    }
  }

  private async resultsDirCheck(): Promise<string> {
    try {
      await mkdir(this.config.resultsDir, { recursive: true });
      await access(this.config.resultsDir, constants.W_OK);
      return 'ok';
    } catch (error) {
      return `${this.config.resultsDir} is not writable: ${(error as Error).message}`;
    }
  }
}
