import 'reflect-metadata';
import type { INestApplication, WsMessageHandler } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Ack,
  MessageBody,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, isObservable, type Observable, of, toArray } from 'rxjs';
import { io, type Socket } from 'socket.io-client';
import { type IoSocket, SharedListenerIoAdapter } from './shared-listener-io.adapter';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * Pins what SharedListenerIoAdapter relies on from @nestjs/websockets and
 * @nestjs/platform-socket.io, so that an upgrade that changes it fails here rather than in
 * production: how Nest calls bindMessageHandlers (once per socket and gateway, the handler shape,
 * a transform that turns a handler's result into an Observable), IoAdapter.mapPayload, and one
 * disconnect per socket. Then the adapter's dispatch itself, through a real gateway.
 */

interface Binding {
  socket: IoSocket;
  handlers: WsMessageHandler[];
  transform: (result: unknown) => Observable<unknown>;
}

class RecordingAdapter extends SharedListenerIoAdapter {
  readonly bindings: Binding[] = [];

  override bindMessageHandlers(
    socket: IoSocket,
    handlers: WsMessageHandler[],
    transform: Binding['transform'],
  ) {
    this.bindings.push({ socket, handlers, transform });
    super.bindMessageHandlers(socket, handlers, transform);
  }
}

const disconnects: string[] = [];
let onDisconnect = (): void => undefined;

@WebSocketGateway()
class FirstGateway implements OnGatewayDisconnect {
  @SubscribeMessage('echo')
  echo(@MessageBody() data: unknown): unknown {
    return { echoed: data };
  }

  @SubscribeMessage('later')
  async later(@MessageBody() data: unknown): Promise<unknown> {
    await Promise.resolve();
    return { later: data };
  }

  @SubscribeMessage('emit')
  emitInstead(): unknown {
    return { event: 'emitted', data: 7 };
  }

  @SubscribeMessage('manual')
  manual(@MessageBody() data: unknown, @Ack() ack: (response: unknown) => void): unknown {
    ack({ manual: data });
    return { ignored: true };
  }

  handleDisconnect(): void {
    disconnects.push('first');
    onDisconnect();
  }
}

@WebSocketGateway()
class SecondGateway implements OnGatewayDisconnect {
  @SubscribeMessage('second')
  second(): unknown {
    return { from: 'second' };
  }

  handleDisconnect(): void {
    disconnects.push('second');
    onDisconnect();
  }
}

describe('SharedListenerIoAdapter and the Nest behaviour it relies on', () => {
  let app: INestApplication;
  let adapter: RecordingAdapter;
  let origin: string;
  const clients: Socket[] = [];

  const connect = async (): Promise<Socket> => {
    const client = io(origin, { transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ providers: [FirstGateway, SecondGateway] }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    adapter = new RecordingAdapter(app);
    app.useWebSocketAdapter(adapter);
    await app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await app.close();
  });

  describe('Nest', () => {
    it('calls bindMessageHandlers once per socket and gateway, with that socket', async () => {
      const before = adapter.bindings.length;
      await connect();
      const added = adapter.bindings.slice(before);
      expect(added).toHaveLength(2);
      expect(added[0].socket).toBe(added[1].socket);
      expect(added.map(({ handlers }) => handlers.map(({ message }) => message).sort())).toEqual(
        expect.arrayContaining([['echo', 'emit', 'later', 'manual'], ['second']]),
      );
    });

    it('hands over each handler as {message, callback, isAckHandledManually}', async () => {
      await connect();
      const handlers = adapter.bindings.flatMap(({ handlers }) => handlers);
      for (const handler of handlers) {
        expect(Object.keys(handler).sort()).toEqual(['callback', 'isAckHandledManually', 'message']);
        expect(typeof handler.message).toBe('string');
        expect(typeof handler.callback).toBe('function');
      }
      const manual = (message: string) =>
        handlers.find((handler) => handler.message === message)?.isAckHandledManually;
      expect(manual('manual')).toBe(true);
      expect(manual('echo')).toBe(false);
    });

    it("gives a transform that turns the socket-bound callback's result (value, promise, observable) into an Observable", async () => {
      await connect();
      const { handlers, transform } = adapter.bindings.find((binding) =>
        binding.handlers.some(({ message }) => message === 'echo'),
      )!;
      const echo = handlers.find(({ message }) => message === 'echo')!;
      const result = transform(echo.callback({ a: 1 }, undefined));
      expect(isObservable(result)).toBe(true);
      await expect(firstValueFrom(result)).resolves.toEqual({ echoed: { a: 1 } });
      await expect(firstValueFrom(transform(5))).resolves.toBe(5);
      await expect(firstValueFrom(transform(Promise.resolve(6)))).resolves.toBe(6);
      await expect(firstValueFrom(transform(of(7, 8)).pipe(toArray()))).resolves.toEqual([7, 8]);
    });

    it("reads a listener's arguments with IoAdapter.mapPayload: data, then an ack function last", () => {
      const ack = (): void => undefined;
      expect(adapter.mapPayload({ a: 1 })).toEqual({ data: { a: 1 } });
      expect(adapter.mapPayload(ack)).toEqual({ data: undefined, ack });
      expect(adapter.mapPayload([{ a: 1 }, ack])).toEqual({ data: { a: 1 }, ack });
      expect(adapter.mapPayload([1, 2, ack])).toEqual({ data: [1, 2], ack });
      expect(adapter.mapPayload([1, 2])).toEqual({ data: [1, 2] });
    });

    it("tells each gateway of a socket's disconnect once", async () => {
      const client = await connect();
      disconnects.length = 0;
      const both = new Promise<void>((resolve) => {
        onDisconnect = () => disconnects.length === 2 && resolve();
      });
      client.disconnect();
      await both;
      await new Promise(setImmediate);
      expect(disconnects.sort()).toEqual(['first', 'second']);
    });
  });

  describe('the adapter', () => {
    it("acknowledges a handler's value or promised value, and dispatches to every gateway's handlers", async () => {
      const client = await connect();
      await expect(client.emitWithAck('echo', { a: 1 })).resolves.toEqual({ echoed: { a: 1 } });
      await expect(client.emitWithAck('later', 2)).resolves.toEqual({ later: 2 });
      await expect(client.emitWithAck('second', {})).resolves.toEqual({ from: 'second' });
    });

    it('passes several arguments as an array, and leaves a manual ack to the handler', async () => {
      const client = await connect();
      await expect(client.emitWithAck('echo', 1, 2)).resolves.toEqual({ echoed: [1, 2] });
      await expect(client.emitWithAck('manual', 'x')).resolves.toEqual({ manual: 'x' });
    });

    it('emits {event, data} results instead of acknowledging them', async () => {
      const client = await connect();
      const emitted = new Promise((resolve) => client.once('emitted', resolve));
      client.emit('emit', {});
      await expect(emitted).resolves.toBe(7);
    });

    it('keeps one listener per event name on each socket, shared by all sockets', async () => {
      const ids = [(await connect()).id, (await connect()).id];
      const [a, b] = ids.map((id) => adapter.bindings.find(({ socket }) => socket.id === id)!.socket);
      expect(a.listeners('echo')).toHaveLength(1);
      expect(a.listeners('echo')[0]).toBe(b.listeners('echo')[0]);
    });
  });
});
