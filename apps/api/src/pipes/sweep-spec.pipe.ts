import { BadRequestException, Inject, Injectable, PipeTransform } from '@nestjs/common';
import { jsonArrayLiterals, ParsedSpec, parseSweepSpec, SpecError } from '@tokensweep/analysis';
import { SERVICE_CONFIG, ServiceConfig } from '@tokensweep/queue';
import { SpecBody } from './spec-body.decorator';

/**
 * Validates a request body against the one spec schema, a `numbers` list on the text of its
 * elements as sent; 400 with one line per problem otherwise.
 */
@Injectable()
export class SweepSpecPipe implements PipeTransform<SpecBody, ParsedSpec> {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  transform({ body, raw }: SpecBody): ParsedSpec {
    try {
      return parseSweepSpec(body ?? {}, {
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
