import { Injectable } from '@nestjs/common';
import { BanRegistry } from '../auth/ban-registry.service';
import { TokenService } from '../auth/token.service';
import { Unauthorized } from '../common/errors/domain.errors';
import { toErrorBody } from '../common/errors/error-body.mapper';
import { bearerToken } from '../common/http/bearer-token.util';
import { MembersAccessService } from '../members/members-access.service';
import type { RealtimeSocket } from './realtime.server';
import { matchChatRooms, recheckChatRooms, userRoom } from './rooms.util';

/**
 * Authenticates every connection before it is accepted (guards do not run on connect) with the
 * token service HTTP uses (the service's own tokens and the platform's alike), then joins the socket to its user room and the rooms of its chats.
 */
@Injectable()
export class SocketHandshake {
  constructor(
    private readonly tokens: TokenService,
    private readonly members: MembersAccessService,
    private readonly bans: BanRegistry,
  ) {}

  /**
   * Socket.IO middleware: a refused connection gets `connect_error` with message `unauthorized`
   * (`banned` for a banned user).
   */
  readonly middleware = (socket: RealtimeSocket, next: (error?: Error) => void): void => {
    this.admit(socket).then(
      () => next(),
      (error: unknown) => next(refusal(error)),
    );
  };

  private async admit(socket: RealtimeSocket): Promise<void> {
    const token = tokenOf(socket);
    if (!token) throw new Unauthorized();
    const { id, username, expiresAt } = await this.tokens.authenticate(token);
    // A banned user's connection is refused: connect_error "banned", data the 403.
    this.bans.assertNotBanned(id);
    socket.data.user = { id, username };
    socket.data.tokenExpiresAt = expiresAt;
    // The user room first: a membership change from now on moves this socket too.
    await socket.join(userRoom(id));
    const changes = matchChatRooms(socket, await this.members.roomChatIds(id));
    // A removal that committed after that read may have emptied its room before this socket
    // joined it (or an addition put it in a room the read did not see): read again.
    if (changes.joined.length + changes.left.length > 0) {
      recheckChatRooms(socket, changes, await this.members.roomChatIds(id));
    }
  }
}

export function tokenOf(socket: RealtimeSocket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (auth?.token !== undefined) return typeof auth.token === 'string' ? auth.token : undefined;
  return bearerToken(socket.handshake.headers.authorization);
}

/** The error's message is what socket.io-client shows; `data` carries the full error shape. */
export function refusal(error: unknown): Error & { data: unknown } {
  const body = toErrorBody(error);
  const refused = new Error(body.status === 401 ? 'unauthorized' : body.code) as Error & { data: unknown };
  refused.data = body;
  return refused;
}
