import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prometheusContentType } from 'prom-client';
import { DomainError } from '../common/errors/domain.errors';
import { toErrorBody } from '../common/errors/error-body.mapper';
import { AppConfig } from '../config/app.config';
import { MetricsService } from './metrics.service';

const NOT_FOUND = new DomainError('not_found', 'Not found');

/**
 * GET /metrics on a port of its own when METRICS_PORT is set: a proxy that forwards the main
 * port cannot expose the metrics in any spelling of the path, and this port serves nothing else.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** The port it listens on; undefined when METRICS_PORT is unset. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.metricsPort === undefined) return;
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metricsPort, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.log.log(`Metrics on http://${this.config.host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://metrics.invalid');
    try {
      if (req.method !== 'GET' || pathname !== '/metrics') throw NOT_FOUND;
      const text = await this.metrics.scrape(req.headers.authorization);
      res.writeHead(200, { 'Content-Type': prometheusContentType, 'Cache-Control': 'no-store' });
      res.end(text);
    } catch (error) {
      const body = toErrorBody(error);
      res.writeHead(body.status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    }
  }
}
