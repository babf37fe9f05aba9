import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { QueueModule } from '@tokensweep/queue';
import { API_CONFIG, ApiConfig } from './config/api-config';
import { HealthController } from './controllers/health.controller';
import { MetricsController } from './controllers/metrics.controller';
import { PageController } from './controllers/page.controller';
import { SweepsController } from './controllers/sweeps.controller';
import { ApiExceptionFilter } from './filters/api-exception.filter';
import { RedisOutageInterceptor } from './filters/redis-outage';
import { JsonBodyGuard } from './guards/json-body.guard';
import { RateLimitGuard } from './guards/rate-limit.guard';
import { SweepSpecPipe } from './pipes/sweep-spec.pipe';
import { ResultsRepository } from './repositories/results.repository';
import { MetricsService } from './services/metrics.service';
import { SweepsService } from './services/sweeps.service';

@Module({})
export class AppModule {
  static forConfig(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [QueueModule.forRoot(config, 'api', config.queuePolicy)],
      controllers: [SweepsController, HealthController, MetricsController, PageController],
      providers: [
        { provide: API_CONFIG, useValue: config },
        SweepsService,
        MetricsService,
        ResultsRepository,
        SweepSpecPipe,
        JsonBodyGuard,
        RateLimitGuard,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: RedisOutageInterceptor },
      ],
    };
  }
}
