import { JwtService } from '@nestjs/jwt';
import { TEST_JWT_SECRET, type TestApp } from './app.fixture';
import type { ClientSocket } from './sockets.helpers';
import { uniqueUsername, type TestUser } from './users.helpers';

/** A moderator's username, known before the app starts (for MODERATOR_USERNAMES). */
export function moderatorName(): string {
  return uniqueUsername('mod');
}

/** An access token for `user` signed as the platform would, with a roles claim. */
export function tokenWithRoles(user: TestUser, roles: unknown, claim = 'roles'): { Authorization: string } {
  const token = new JwtService({ secret: TEST_JWT_SECRET }).sign(
    { sub: user.id, username: user.username, [claim]: roles },
    { algorithm: 'HS256', expiresIn: 300 },
  );
  return { Authorization: `Bearer ${token}` };
}

export function ban(t: TestApp, moderator: TestUser, user: TestUser, body: object = { reason: 'spam' }) {
  return t.http().post(`/api/v1/moderation/users/${user.id}/ban`).set(moderator.auth).send(body);
}

export function unban(t: TestApp, moderator: TestUser, user: TestUser) {
  return t.http().delete(`/api/v1/moderation/users/${user.id}/ban`).set(moderator.auth);
}

/** Resolves with the disconnect reason once the server disconnects the socket (rejects after `ms`). */
export function serverDisconnect(socket: ClientSocket, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not disconnected within ${ms} ms`)), ms);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}
