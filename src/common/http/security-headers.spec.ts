import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { helmetChanges, securityHeaders } from './security-headers';

function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader('X-Powered-By', 'something');
  return res;
}

describe('securityHeaders', () => {
  it("sets on a response exactly what helmet's middleware sets", () => {
    const byHelmet = response();
    helmet()(byHelmet.req, byHelmet, () => undefined);
    const once = response();
    securityHeaders()(once);
    expect(once.getHeaders()).toStrictEqual(byHelmet.getHeaders());
    expect(once.getHeader('x-powered-by')).toBeUndefined();
    expect(once.getHeader('content-security-policy')).toContain("default-src 'self'");
    expect(Object.keys(once.getHeaders()).length).toBeGreaterThan(10);
  });

  it("holds because helmet's default policy does not depend on the request", () => {
    const one = helmetChanges(helmet(), { method: 'GET', url: '/api/v1/chats', headers: {} });
    const other = helmetChanges(helmet(), {
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'user-agent': 'Mozilla/4.0 (compatible; MSIE 8.0)', origin: 'https://evil.example' },
    });
    expect(other).toStrictEqual(one);
  });
});
