import { Controller, Get, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ResultsRoot } from '@tokensweep/analysis';
import { REDIS, SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';
import { Redis } from 'ioredis';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly results: ResultsRoot,
  ) {}

  /** Liveness: the process answers, whatever Redis does. */
  @Get()
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness: Redis answers PING and the results store can be written (a directory: writable; a
   * bucket: it answers a listing with our credentials); 503 saying which is not. The results check
   * is `resultsDir` or `resultsStore` after what the results are.
   */
  @Get('ready')
  async ready() {
    const [redis, results] = await Promise.all([this.redisCheck(), this.resultsCheck()]);
    const checks = { redis, [this.results.target.kind === 'file' ? 'resultsDir' : 'resultsStore']: results };
    const ok = redis === 'ok' && results === 'ok';
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

  private async resultsCheck(): Promise<string> {
    try {
      await Promise.race([
        this.results.check(),
        new Promise<void>((_, reject) => setTimeout(() => reject(new Error('timed out after 3 s')), 3_000)),
      ]);
      return 'ok';
    } catch (error) {
      const message = (error as Error).message;
      return message.includes(this.results.location) ? message : `${this.results.location}: ${message}`;
    }
  }
}
