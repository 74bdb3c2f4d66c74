import { JwtService } from '@nestjs/jwt';
import { TEST_JWT_SECRET, useApp } from './support/app.fixture';
import { MANY_REQUESTS } from './support/messages.helpers';
import {
  closeSockets,
  connect,
  connectAs,
  ERROR,
  refusal,
  socketFor,
  waitForEvent,
} from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

describe('realtime (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  afterEach(() => closeSockets());

  const sign = (user: TestUser, exp: number, secret = TEST_JWT_SECRET): string =>
    new JwtService().sign({ sub: user.id, username: user.username, exp }, { secret });
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  describe('handshake', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(t);
    });

    it('accepts the access token as auth.token', async () => {
      const socket = await connectAs(t, user);
      expect(socket.connected).toBe(true);
    });

    it('accepts an Authorization: Bearer header', async () => {
      const socket = socketFor(t, { headers: { Authorization: `Bearer ${user.access_token}` } });
      await connect(socket);
      expect(socket.connected).toBe(true);
    });

    it.each([
      ['no token', {}, 'unauthorized'],
      ['an empty token', { auth: { token: '' } }, 'unauthorized'],
      ['a token that is not a string', { auth: { token: 42 } }, 'unauthorized'],
      ['a garbage token', { auth: { token: 'not.a.jwt' } }, 'unauthorized'],
      ['a malformed header', { headers: { Authorization: 'Token abc' } }, 'unauthorized'],
    ])('refuses %s with connect_error unauthorized', async (_, options, code) => {
      const error = await refusal(socketFor(t, options));
      expect(error.message).toBe('unauthorized');
      expect(error.data).toEqual({ ...ERROR, status: 401, code });
    });

    it('refuses an expired token (data.code token_expired)', async () => {
      const error = await refusal(socketFor(t, { auth: { token: sign(user, nowSeconds() - 10) } }));
      expect(error.message).toBe('unauthorized');
      expect(error.data).toEqual({ ...ERROR, status: 401, code: 'token_expired' });
    });

    it('refuses a token signed with another secret', async () => {
      const forged = sign(user, nowSeconds() + 600, 'another-secret-another-secret-another-secret');
      const error = await refusal(socketFor(t, { auth: { token: forged } }));
      expect(error.message).toBe('unauthorized');
    });

    it('tells a socket whose token expires auth:expired, then disconnects it', async () => {
      const socket = socketFor(t, { auth: { token: sign(user, nowSeconds() + 2) } });
      await connect(socket);
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      const expired = await waitForEvent(socket, 'auth:expired', 5000);
      expect(expired).toEqual({ message: expect.any(String) });
      // A server-side disconnect: socket.io-client does not reconnect with the dead token.
      expect(await disconnected).toBe('io server disconnect');
    });

    it('still expires a socket when another one expiring at the same second closed first', async () => {
      const token = sign(user, nowSeconds() + 2);
      const [leaving, staying] = [socketFor(t, { auth: { token } }), socketFor(t, { auth: { token } })];
      await Promise.all([connect(leaving), connect(staying)]);
      const expired = waitForEvent(staying, 'auth:expired', 5000);
      leaving.disconnect();
      expect(await expired).toEqual({ message: expect.any(String) });
    });
  });
});
