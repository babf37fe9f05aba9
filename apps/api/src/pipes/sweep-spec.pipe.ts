import { BadRequestException, Inject, Injectable, PipeTransform } from '@nestjs/common';
import { ParsedSubmission, parseSubmission, SpecError } from '@tokensweep/analysis';
import { SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';

/** Validates a submission body (the one spec schema, and `priority`); 400 with one line per problem otherwise. */
@Injectable()
export class SweepSpecPipe implements PipeTransform<unknown, ParsedSubmission> {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  transform(body: unknown): ParsedSubmission {
    try {
      return parseSubmission(body ?? {}, { limits: this.config.limits, allowLocalModels: false });
    } catch (error) {
      if (error instanceof SpecError) throw new BadRequestException(error.problems);
      throw error;
    }
  }
}
