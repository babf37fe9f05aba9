import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ANALYSES,
  DEFAULT_PRIORITY,
  DEFAULT_SPEC,
  MATRIX_KINDS,
  NUMBER_FORMATS,
  POOLINGS,
  SWEEP_PRIORITIES,
  SWEEP_STATUSES,
} from '@tokensweep/analysis';

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

/** A submission: the spec's fields, and how its chunks rank against other sweeps' (not part of the spec). */
export class SweepSubmissionDto extends SweepSpecDto {
  @ApiPropertyOptional({
    enum: SWEEP_PRIORITIES,
    default: DEFAULT_PRIORITY,
    description: 'orders work between sweeps: strictly between classes, fairly within one',
  })
  priority?: string;
}

export class SweepCreatedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['queued'] }) status!: string;
  @ApiProperty({ description: 'number of chunk jobs enqueued' }) chunks!: number;
}

export class ProgressDto {
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'chunks done; null when Redis lost a sweep that did not complete',
  })
  done!: number | null;
  @ApiProperty({ description: 'chunks in all' }) total!: number;
  @ApiProperty({ description: 'chunks a worker is running' }) running!: number;
  @ApiProperty({ description: 'chunks waiting for a worker' }) queued!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'chunks finished per second over the last minute; null until known',
  })
  chunksPerSecond!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'seconds left at that rate; null until known' })
  etaSeconds!: number | null;
}

export class SweepDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: SWEEP_STATUSES }) status!: string;
  @ApiProperty({ enum: SWEEP_PRIORITIES, nullable: true, description: 'null when Redis lost the sweep' })
  priority!: string | null;
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
