import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '../openapi/openapi.decorators.js';
import type { FastifyReply } from 'fastify';
import { HttpMetrics } from './http.metrics.js';

/** Prometheus scrape endpoint; unauthenticated like the health probes, so keep it off public listeners. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: HttpMetrics) {}

  @Get()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.render();
  }
}
