import { BadRequestException, Inject, Injectable, PipeTransform } from '@nestjs/common';
import { ParsedSpec, parseSweepSpec, SpecError } from '@tokensweep/analysis';
import { SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';

/** Validates a request body against the one spec schema; 400 with one line per problem otherwise. */
@Injectable()
export class SweepSpecPipe implements PipeTransform<unknown, ParsedSpec> {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  transform(body: unknown): ParsedSpec {
    try {
      return parseSweepSpec(body ?? {}, { limits: this.config.limits, allowLocalModels: false });
    } catch (error) {
      if (error instanceof SpecError) throw new BadRequestException(error.problems);
      throw error;
    }
  }
}
