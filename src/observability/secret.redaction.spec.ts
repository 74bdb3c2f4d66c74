import pino from 'pino';
import { loadConfig } from '../config/app.config';
import { createRootLogger } from './root.logger';
import { CENSOR, redactLine, redactSecrets } from './secret.redaction';

describe('redactSecrets', () => {
  it('censors secret keys at the first three levels, arrays counting as a level', () => {
    const logged = {
      password: 'p1',
      body: { token: 't1', user: { refresh_token: 'r1', deeper: { content: 'kept: fourth level' } } },
      list: [{ access_token: 'a1' }, 'plain'],
      headers: { authorization: 'Bearer x', cookie: 'c' },
      content: 'message text',
    };
    expect(redactSecrets(logged)).toEqual({
      password: CENSOR,
      body: { token: CENSOR, user: { refresh_token: CENSOR, deeper: { content: 'kept: fourth level' } } },
      list: [{ access_token: CENSOR }, 'plain'],
      headers: { authorization: CENSOR, cookie: CENSOR },
      content: CENSOR,
    });
  });

  it('returns an object without secrets as it is, and never changes the caller’s object', () => {
    const clean = { req: { method: 'GET', path: '/x' }, res: { status: 200 }, list: [1, 2] };
    expect(redactSecrets(clean)).toBe(clean);
    const dirty = { nested: { password: 'p' }, other: { a: 1 } };
    const redacted = redactSecrets(dirty);
    expect(dirty.nested.password).toBe('p');
    expect(redacted.nested).not.toBe(dirty.nested);
    expect(redacted.other).toBe(dirty.other);
  });

  it('keeps an error an error (message and stack) when it censors a field of it', () => {
    const error = Object.assign(new Error('boom'), { token: 'secret-token' });
    const { err } = redactSecrets({ err: error });
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('boom');
    expect(err.stack).toBe(error.stack);
    expect(err.token).toBe(CENSOR);
    expect(error.token).toBe('secret-token');
  });
});

describe('redactLine', () => {
  it('rewrites a log line only when a secret key not censored yet is in it', () => {
    const clean = '{"service":"s","req_id":"abc","body":{"password":"[redacted]"}}\n';
    expect(redactLine(clean)).toBe(clean);
    expect(redactLine('{"service":"s","token":"t","user":{"password":"p","id":1}}\n')).toBe(
      '{"service":"s","token":"[redacted]","user":{"password":"[redacted]","id":1}}\n',
    );
    const deep = '{"a":{"b":{"c":{"content":"kept: fourth level"}}}}\n';
    expect(redactLine(deep)).toBe(deep);
  });
});

describe('the root logger', () => {
  const linesOf = (write: (logger: pino.Logger) => void): Record<string, unknown>[] => {
    const lines: string[] = [];
    const logger = createRootLogger(
      loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', JWT_SECRET: 's'.repeat(40) }),
    );
    // The logger writes to stdout; capture what it would write, through pino's own stream hook.
    const stream = (logger as unknown as Record<symbol, { write: (line: string) => void }>)[
      pino.symbols.streamSym
    ];
    const original = stream.write.bind(stream);
    stream.write = (line: string) => void lines.push(line);
    try {
      write(logger);
    } finally {
      stream.write = original;
    }
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  };

  it('censors secrets in logged objects and in child bindings, at every level of children', () => {
    const lines = linesOf((logger) => {
      const child = logger.child({ req_id: 'r1', auth: { token: 'bound-secret' } });
      child.info({ body: { password: 'logged-secret', name: 'kept' } }, 'first');
      child.child({ password: 'grandchild-secret' }).warn({ content: 'message text' }, 'second');
    });
    const printed = JSON.stringify(lines);
    for (const secret of ['bound-secret', 'logged-secret', 'grandchild-secret', 'message text']) {
      expect(printed).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      level: 'info',
      req_id: 'r1',
      auth: { token: CENSOR },
      body: { password: CENSOR, name: 'kept' },
      msg: 'first',
    });
    expect(lines[1]).toMatchObject({ level: 'warn', password: CENSOR, content: CENSOR, msg: 'second' });
  });

  it('prints clean child bindings as they are, and censors only the secret ones', () => {
    const lines = linesOf((logger) => {
      logger.child({ req_id: 'abc' }).info('clean');
      logger.child({ req_id: 'abc', token: 't', user: { password: 'p', id: 1 } }).info('dirty');
    });
    expect(lines[0]).toMatchObject({ service: 'rescue-chat', req_id: 'abc', msg: 'clean' });
    expect(lines[1]).toMatchObject({ req_id: 'abc', token: CENSOR, user: { password: CENSOR, id: 1 } });
  });
});
