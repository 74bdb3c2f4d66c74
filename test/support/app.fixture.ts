import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp, servedRoutes } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app.config';

export const TEST_STORAGE_DIR = join(tmpdir(), 'rescue-chat-test-attachments');

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> of the listening server. */
  origin: string;
  http: () => ReturnType<typeof request>;
  db: DataSource;
  close: () => Promise<void>;
}

/** The real application on the run's test database, listening on a free port. */
export async function startApp(
  env: Record<string, string> = {},
  /** Runs on the built app before it listens (test-only routes are added there). */
  beforeListen?: (app: INestApplication) => void,
): Promise<TestApp> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl)
    throw new Error('TEST_DATABASE_URL is not set: run the e2e tests through jest (global setup)');
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_POOL_SIZE: '5',
    // Suites register many users and open many sockets from one address; the limits have their own tests.
    RATE_LIMIT_MAX: '1000000',
    AUTH_RATE_LIMIT_MAX: '1000000',
    AUTH_USERNAME_RATE_LIMIT_MAX: '1000000',
    SOCKET_HANDSHAKES_PER_ADDRESS: '1000000',
    CHAT_CREATE_RATE_LIMIT: '1000000,1',
    MEMBER_ADD_RATE_LIMIT: '1000000,1',
    // Uploads of the run go to a temporary folder, not the project's .data.
    STORAGE_DIR: TEST_STORAGE_DIR,
    // JSON log lines would interleave with Jest's report; TEST_LOG_LEVEL=debug shows them.
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...env,
  });
  const app = await createApp(config);
  beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    origin,
    http: () => request(origin),
    db: app.get(DataSource),
    close: () => app.close(),
  };
}

/**
 * The app of a suite, where it is called: started before the suite's tests and closed after them.
 * The handle reaches the started app, so hooks and tests use it as they would startApp's.
 */
export function useApp(env: Record<string, string> = {}): TestApp {
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startApp(env);
  });
  afterAll(() => started?.close());
  const app = (): TestApp => {
    if (!started) throw new Error('the app has not started yet: use it in a hook or a test');
    return started;
  };
  return {
    get app() {
      return app().app;
    },
    get config() {
      return app().config;
    },
    get origin() {
      return app().origin;
    },
    http: () => app().http(),
    get db() {
      return app().db;
    },
    close: () => app().close(),
  };
}

/**
 * `METHOD /path` of every route the app's Fastify instance serves, as its `onRoute` hook saw
 * them registered (sorted, no trailing slash): without the HEAD routes Fastify adds for each GET
 * and the wildcard routes (CORS preflights, the documentation's static files), which serve no
 * operation of their own.
 */
export function routeTable(t: TestApp): string[] {
  const routes = new Set<string>();
  for (const { method, path } of servedRoutes(t.app)) {
    if (method === 'HEAD' || path.includes('*')) continue;
    routes.add(`${method} ${path.replace(/(.)\/$/, '$1')}`);
  }
  return [...routes].sort();
}

/** Every event name some gateway of the app subscribes to. */
export function gatewayEvents(t: TestApp): string[] {
  const events = new Set<string>();
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.providers.values()) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || !wrapper.metatype || !Reflect.getMetadata('websockets:is_gateway', wrapper.metatype))
        continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const event = Reflect.getMetadata(MESSAGE_METADATA, prototype[name] as object) as string | undefined;
        if (event) events.add(event);
      }
    }
  }
  return [...events].sort();
}
