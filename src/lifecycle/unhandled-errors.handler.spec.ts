import { EventEmitter } from 'node:events';
import { reportUnhandled } from './unhandled-errors.handler';

describe('reportUnhandled', () => {
  const setup = () => {
    const target = new EventEmitter();
    const log = { error: jest.fn(), fatal: jest.fn() };
    const exit = jest.fn();
    reportUnhandled(log as never, exit, target);
    return { target, log, exit };
  };

  it('logs an unhandled rejection with its error and keeps the process running', () => {
    const { target, log, exit } = setup();
    const reason = new Error('Reached the max retries per request limit');
    target.emit('unhandledRejection', reason, Promise.resolve());
    expect(log.error).toHaveBeenCalledWith(
      { err: reason },
      'Unhandled promise rejection (the process keeps running): Reached the max retries per request limit',
    );
    expect(exit).not.toHaveBeenCalled();
  });

  it('logs a rejection with a non-Error reason too', () => {
    const { target, log } = setup();
    target.emit('unhandledRejection', 'just a string', Promise.resolve());
    expect(log.error).toHaveBeenCalledWith(
      { err: 'just a string' },
      'Unhandled promise rejection (the process keeps running): just a string',
    );
  });

  it('logs an uncaught exception as fatal and exits with 1', () => {
    const { target, log, exit } = setup();
    const error = new TypeError('boom');
    target.emit('uncaughtException', error, 'uncaughtException');
    expect(log.fatal).toHaveBeenCalledWith({ err: error }, 'Uncaught exception, exiting: boom');
    expect(exit).toHaveBeenCalledWith(1);
  });
});
