import { Agent, request } from 'node:http';
import { onSchedule } from './schedule';
import { GeneratorHealth, SelfMonitor } from './self-monitor';
import { Recorder, Summary } from './stats';

/**
 * Open-loop GET requests at a fixed rate over keep-alive connections; latency from the scheduled
 * send time to the last byte of the response.
 */
export interface HttpLoadOptions {
  origin: string;
  rate: number;
  durationMs: number;
  /** The path of the i-th request (rotating through cursors, queries...). */
  path: (i: number) => string;
  headers?: Record<string, string>;
  /** Whether a 200 body is the expected answer; anything else counts as an error. */
  check?: (body: string) => boolean;
}

export interface HttpLoadResult {
  rate: number;
  sent: number;
  errors: number;
  firstError: string | null;
  latency: Summary;
  generator: GeneratorHealth;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function get(origin: string, path: string, headers: Record<string, string>): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString()]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const latency = new Recorder();
  let errors = 0;
  let firstError: string | null = null;
  const monitor = new SelfMonitor();
  monitor.start();
  const inFlight: Promise<void>[] = [];
  await onSchedule(total, 1000 / options.rate, (i, scheduled) => {
    inFlight.push(
      get(options.origin, options.path(i), options.headers ?? {}).then(
        ([status, body]) => {
          latency.add(performance.now() - scheduled);
          // A check that throws is a wrong answer too: thrown here, the rejection would stay
          // unhandled until Promise.all below and end the bench, its servers left running.
          let failure: string | undefined;
          try {
            if (status !== 200 || (options.check && !options.check(body))) failure = '';
          } catch (error) {
            failure = ` (check: ${error instanceof Error ? error.message : String(error)})`;
          }
          if (failure !== undefined) {
            errors++;
            firstError ??= `${status}${failure} ${body.slice(0, 300)}`;
          }
        },
        (error: Error) => {
          errors++;
          firstError ??= error.message;
        },
      ),
    );
  });
  await Promise.all(inFlight);
  return {
    rate: options.rate,
    sent: total,
    errors,
    firstError,
    latency: latency.summary(),
    generator: monitor.stop(),
  };
}
