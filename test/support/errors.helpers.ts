import type { ErrorBody } from '../../src/common/http/error-status.mapping';

/** Every key the contract's error shape may have. */
export const ERROR_KEYS = ['code', 'details', 'message', 'status'];

/** The contract's error shape, and nothing that leaks internals (stack, SQL, driver text). */
export function expectErrorShape(body: unknown, status: number, code?: string): void {
  const error = body as ErrorBody;
  expect(error).toMatchObject({ status, code: code ?? expect.any(String), message: expect.any(String) });
  for (const key of Object.keys(error)) expect(ERROR_KEYS).toContain(key);
  expect(JSON.stringify(error)).not.toMatch(/at \w+ \(|SELECT |INSERT |QueryFailedError|node_modules/);
}
