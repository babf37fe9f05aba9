import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ANALYSES, DEFAULT_SPEC, MATRIX_KINDS, NUMBER_FORMATS, POOLINGS } from '@tokensweep/analysis';

/**
 * The sweep spec as the OpenAPI document shows it. Validation does not live here: the body goes
 * through the one spec schema of libs/analysis (SweepSpecPipe), shared with the CLI and the workers.
 */
export class SweepSpecDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['gpt2'],
    default: DEFAULT_SPEC.models,
    description: 'Hugging Face model ids, optionally pinned as id@revision',
  })
  models?: string[];

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'integer' } }],
    example: '-1000..1000',
    default: DEFAULT_SPEC.numbers,
    description:
      'A, A..B or A..B:STEP items, comma-separated; or a list of integers within ±(2^53 − 1), swept sorted and without duplicates',
  })
  numbers?: string | number[];

  @ApiPropertyOptional({ enum: NUMBER_FORMATS, isArray: true, default: DEFAULT_SPEC.formats })
  formats?: string[];

  @ApiPropertyOptional({ enum: ANALYSES, isArray: true, default: DEFAULT_SPEC.analyses })
  analyses?: string[];

  @ApiPropertyOptional({
    enum: MATRIX_KINDS,
    default: DEFAULT_SPEC.matrix,
    description: 'input: token embeddings; output: the unembedding (lm_head), the input one where tied',
  })
  matrix?: string;

  @ApiPropertyOptional({ enum: POOLINGS, default: DEFAULT_SPEC.pooling })
  pooling?: string;

  @ApiPropertyOptional({ default: false, description: 'render figures into plots/ when the sweep finishes' })
  plots?: boolean;

  @ApiPropertyOptional({ default: DEFAULT_SPEC.chunkSize, minimum: 1 })
  chunkSize?: number;

  @ApiPropertyOptional({ default: DEFAULT_SPEC.tileSize, minimum: 1 })
  tileSize?: number;
}

export class SweepCreatedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['queued'] }) status!: string;
  @ApiProperty({ description: 'number of chunk jobs enqueued' }) chunks!: number;
}

export class ProgressDto {
  @ApiProperty() done!: number;
  @ApiProperty() total!: number;
}

export class SweepDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty({ type: ProgressDto }) progress!: ProgressDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ type: SweepSpecDto }) spec!: SweepSpecDto;
}

export class SweepListDto {
  @ApiProperty({ type: [SweepDto] }) items!: SweepDto[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as ?cursor= for the next page' })
  nextCursor!: string | null;
}
