import { Injectable } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from './events.types';

export type RealtimeIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** The gateway's Socket.IO server, handed to the services that emit outside a handler. */
@Injectable()
export class RealtimeServer {
  private server?: RealtimeIo;

  attach(server: RealtimeIo): void {
    this.server = server;
  }

  get io(): RealtimeIo {
    if (!this.server) throw new Error('The Socket.IO server is not initialised yet');
    return this.server;
  }

  get ready(): boolean {
    return this.server !== undefined;
  }
}

export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
