import { io, Socket } from 'socket.io-client';

/**
 * WebSocket only, as a browser ends up after the upgrade; no reconnection (a drop must show as
 * a failure, not be papered over); a new engine per socket, as separate devices would have.
 */
export function openSocket(origin: string, token: string): Socket {
  return io(origin, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 20_000,
  });
}

export function whenConnected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
}

/** Connects one socket per token, a few at a time (setup, not measured). */
export async function connectAll(origin: string, tokens: string[], concurrency = 20): Promise<Socket[]> {
  const sockets = new Array<Socket>(tokens.length);
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const index = next++;
      sockets[index] = openSocket(origin, tokens[index]);
      await whenConnected(sockets[index]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sockets;
}

export function closeAll(sockets: Iterable<Socket | undefined>): void {
  for (const socket of sockets) socket?.disconnect();
}
