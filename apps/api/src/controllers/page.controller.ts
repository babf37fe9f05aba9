import path from 'node:path';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { keyMatches, SESSION_COOKIE, sessionToken } from '../guards/api-key';
import { API_CONFIG, ApiConfig } from '../config/api-config';

/** Where the page's static files are: beside the compiled app in dist, beside the sources in development. */
export const PAGE_DIR = path.join(__dirname, '..', '..', 'page');

/**
 * The browser builds of Vega, Vega-Lite and vega-embed, served from node_modules (the page loads
 * nothing from a CDN): the same versions that render the PNG figures.
 */
const VENDOR_FILES: Record<string, string> = {
  'vega.min.js': path.join(path.dirname(require.resolve('vega')), 'vega.min.js'),
  'vega-lite.min.js': path.join(path.dirname(require.resolve('vega-lite')), 'vega-lite.min.js'),
  'vega-embed.min.js': path.join(path.dirname(require.resolve('vega-embed')), 'vega-embed.min.js'),
};

/** The results page shell (open to all), and the exchange of the API key for an HttpOnly session cookie. */
@ApiExcludeController()
@Controller()
export class PageController {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  @Get()
  page(@Res() response: Response): void {
    response.sendFile(path.join(PAGE_DIR, 'index.html'));
  }

  @Get('assets/vendor/:file')
  vendor(@Param('file') file: string, @Res() response: Response): void {
    if (!Object.hasOwn(VENDOR_FILES, file)) throw new NotFoundException(`no asset ${file.slice(0, 60)}`);
    response.type('text/javascript').sendFile(VENDOR_FILES[file]);
  }

  @Post('session')
  @HttpCode(204)
  login(@Body() body: unknown, @Res({ passthrough: true }) response: Response): void {
    const key = this.config.apiKey;
    if (!key) return;
    const presented = typeof body === 'object' && body !== null ? (body as { key?: unknown }).key : undefined;
    if (typeof presented !== 'string' || !keyMatches(presented, key))
      throw new UnauthorizedException('that is not the API key');
    response.cookie(SESSION_COOKIE, sessionToken(key), { httpOnly: true, sameSite: 'strict', path: '/' });
  }

  @Delete('session')
  @HttpCode(204)
  logout(@Res({ passthrough: true }) response: Response): void {
    response.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
