import { BadRequestException, Inject, Injectable, PipeTransform } from '@nestjs/common';
import { jsonArrayLiterals, ParsedSubmission, parseSubmission, SpecError } from '@tokensweep/analysis';
import { SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';
import { SpecBody } from './spec-body.decorator';

/**
 * Validates a submission body against the one spec schema (a `numbers` list on the text of its
 * elements as sent) and its `priority`; 400 with one line per problem otherwise.
 */
@Injectable()
export class SweepSpecPipe implements PipeTransform<SpecBody, ParsedSubmission> {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  transform({ body, raw }: SpecBody): ParsedSubmission {
    try {
      return parseSubmission(body ?? {}, {
        limits: this.config.limits,
        allowLocalModels: false,
        numberLiterals: raw === null ? null : jsonArrayLiterals(raw, 'numbers'),
      });
    } catch (error) {
      if (error instanceof SpecError) throw new BadRequestException(error.problems);
      throw error;
    }
  }
}
