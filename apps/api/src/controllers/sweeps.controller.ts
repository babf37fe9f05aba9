import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseBoolPipe,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { isSweepId, ParsedSubmission } from '@tokensweep/analysis';
import type { Response } from 'express';
import { WhenRedisIsDown } from '../filters/redis-outage';
import { SweepCreatedDto, SweepDto, SweepListDto, SweepSubmissionDto } from '../dtos/sweep-spec.dto';
import { JsonBodyGuard } from '../guards/json-body.guard';
import { RateLimitGuard } from '../guards/rate-limit.guard';
import { SpecBodyParam } from '../pipes/spec-body.decorator';
import { SweepSpecPipe } from '../pipes/sweep-spec.pipe';
import { SweepsService } from '../services/sweeps.service';

/** A sweep id from the path, refused (404) unless it has the shape of one, so it can never name a path. */
function sweepId(id: string): string {
  if (!isSweepId(id)) throw new NotFoundException(`no sweep with id ${JSON.stringify(id.slice(0, 60))}`);
  return id;
}

@ApiTags('sweeps')
@Controller('sweeps')
export class SweepsController {
  constructor(private readonly sweeps: SweepsService) {}

  @Post()
  @WhenRedisIsDown('the sweep was not accepted')
  @HttpCode(202)
  @UseGuards(JsonBodyGuard, RateLimitGuard)
  @ApiBody({ type: SweepSubmissionDto })
  @ApiResponse({ status: 202, type: SweepCreatedDto })
  @ApiResponse({ status: 400, description: 'the spec is invalid; `message` has one line per problem' })
  @ApiResponse({ status: 415, description: 'the body is not sent as application/json' })
  submit(@SpecBodyParam(SweepSpecPipe) parsed: ParsedSubmission): Promise<SweepCreatedDto> {
    return this.sweeps.submit(parsed);
  }

  @Get()
  @WhenRedisIsDown('the sweeps could not be listed')
  @ApiOkResponse({ type: SweepListDto })
  list(@Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<SweepListDto> {
    const size = limit === undefined ? 20 : Number(limit);
    if (!Number.isInteger(size) || size < 1)
      throw new BadRequestException(['limit: must be a positive integer']);
    return this.sweeps.list(size, cursor && isSweepId(cursor) ? cursor : undefined);
  }

  @Get(':id')
  @WhenRedisIsDown("the sweep's status could not be read")
  @ApiOkResponse({ type: SweepDto })
  get(@Param('id') id: string): Promise<SweepDto> {
    return this.sweeps.get(sweepId(id));
  }

  @Delete(':id')
  @WhenRedisIsDown('the sweep was not cancelled')
  @ApiOkResponse({ type: SweepDto })
  cancel(
    @Param('id') id: string,
    @Query('purge', new ParseBoolPipe({ optional: true })) purge?: boolean,
  ): Promise<SweepDto> {
    return this.sweeps.cancel(sweepId(id), purge ?? false);
  }

  @Post(':id/retry')
  @WhenRedisIsDown('the sweep was not retried')
  @HttpCode(202)
  @ApiResponse({ status: 202, type: SweepCreatedDto })
  retry(@Param('id') id: string): Promise<SweepCreatedDto> {
    return this.sweeps.retry(sweepId(id));
  }

  @Get(':id/manifest')
  @WhenRedisIsDown('the sweep could not be looked up, so its manifest was not served')
  manifest(@Param('id') id: string) {
    return this.sweeps.manifest(sweepId(id));
  }

  @Get(':id/figures')
  @ApiOkResponse({
    description:
      "the Vega-Lite specs of a finished sweep's figures, data inlined: `{figures: [{name, spec}]}`",
  })
  figures(@Param('id') id: string) {
    return this.sweeps.figures(sweepId(id));
  }

  @Get(':id/files/*path')
  @WhenRedisIsDown('the sweep could not be looked up, so its file was not served')
  @ApiProduces('application/vnd.apache.parquet', 'image/png', 'image/svg+xml')
  async file(
    @Param('id') id: string,
    @Param('path') segments: string[] | string,
    @Res() response: Response,
  ): Promise<void> {
    const relative = Array.isArray(segments) ? segments.join('/') : segments;
    const file = await this.sweeps.file(sweepId(id), relative);
    if (file.endsWith('.parquet')) response.type('application/vnd.apache.parquet');
    await new Promise<void>((resolve, reject) =>
      response.sendFile(file, { dotfiles: 'deny' }, (error) => (error ? reject(error) : resolve())),
    );
  }

  @Get(':id/data/:analysis')
  @WhenRedisIsDown('the sweep could not be looked up, so its data were not served')
  @ApiProduces('application/vnd.apache.arrow.stream')
  async data(
    @Param('id') id: string,
    @Param('analysis') analysis: string,
    @Res() response: Response,
    @Query('model') model?: string,
    @Query('format') format?: string,
  ): Promise<void> {
    const stream = await this.sweeps.dataStream(sweepId(id), analysis, model, format);
    response.type('application/vnd.apache.arrow.stream');
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  }
}
