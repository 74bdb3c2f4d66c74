import 'reflect-metadata';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { PipeTransform } from '@nestjs/common';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { ValidationFailed } from '../common/errors/domain.errors';
import { ClientEvent, ClientPayload } from './client-event.decorator';
import type { PayloadOf } from './events.types';
import { SendMessageSocketDto } from './dto/client-payloads.dto';

class Handlers {
  @ClientEvent('message:send')
  send(@ClientPayload() body: PayloadOf<'message:send'>): Promise<void> {
    return Promise.resolve(void body);
  }
}

/** The pipe @ClientPayload() hands to Nest, as Nest stores it for the parameter. */
function payloadPipe(): PipeTransform {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Handlers, 'send') as Record<
    string,
    { pipes: PipeTransform[] }
  >;
  const [param] = Object.values(args);
  return param.pipes[0];
}

const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('@ClientEvent / @ClientPayload', () => {
  it('subscribes the method to its event', () => {
    expect(Reflect.getMetadata(MESSAGE_METADATA, Handlers.prototype.send)).toBe('message:send');
  });

  it("validates the payload against the event's class in the catalog, transforms applied", async () => {
    const body = await payloadPipe().transform(
      { event: 'message:send', payload: { chat_id: 3, content: '  hi  ' } },
      { type: 'custom' },
    );
    expect(body).toBeInstanceOf(SendMessageSocketDto);
    expect(body).toEqual({ chat_id: 3, content: 'hi' });
  });

  it('refuses unknown fields and payloads that are not one JSON object', async () => {
    const refuse = (payload: unknown) =>
      failure(
        Promise.resolve(payloadPipe().transform({ event: 'message:send', payload }, { type: 'custom' })),
      );
    expect(await refuse({ chat_id: 3, content: 'hi', extra: 1 })).toBeInstanceOf(ValidationFailed);
    for (const payload of ['hi', 42, null, [{ chat_id: 3, content: 'hi' }]]) {
      expect(await refuse(payload)).toEqual(ValidationFailed.field('payload', 'must be a JSON object'));
    }
  });

  it('refuses, when the class is defined, a handler that does not take @ClientPayload()', () => {
    expect(() => {
      class Unvalidated {
        @ClientEvent('typing')
        typing(): void {}
      }
      return Unvalidated;
    }).toThrow("The handler typing of 'typing' must take its payload through @ClientPayload()");
  });
});
