import { Controller, Get, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SERVICE_CONFIG, ServiceConfig, SweepStore } from '@tokensweep/queue';
import { ResultsRepository } from '../repositories/results.repository';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly store: SweepStore,
    private readonly results: ResultsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** Liveness: the process answers, whatever Redis does. */
  @Get()
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness: Redis answers PING and the results store can be written (a directory: writable, as
   * `resultsDir`; a bucket: it answers with our credentials, as `resultsStore`); 503 saying which is not.
   */
  @Get('ready')
  async ready() {
    const [pong, results] = await Promise.all([this.store.ping(), this.results.checkWritable()]);
    const checks = {
      redis: pong === 'ok' ? pong : `unreachable at ${this.config.redisUrl}: ${pong}`,
      [this.results.checkName]: results,
    };
    const ok = checks.redis === 'ok' && results === 'ok';
    if (!ok)
      throw new HttpException(
        { statusCode: 503, error: 'Service Unavailable', message: 'not ready', checks },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    return { status: 'ready', checks };
  }
}
