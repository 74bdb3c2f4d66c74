import { createParamDecorator, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { SubscribeMessage } from '@nestjs/websockets';
import { ValidationFailed } from '../common/errors/domain.errors';
import { createValidationPipe } from '../common/errors/validation.pipe';
import type { AckDataOf } from './events.types';
import { CLIENT_EVENTS, type ClientEventName, isClientEvent } from './socket-contract.catalog';

/** A gateway method's result: the ack's `data` of its event as the catalog types it (or nothing, for `{}`). */
type ClientEventHandler<E extends ClientEventName> = (
  ...args: never[]
) => Promise<AckDataOf<E> | void> | AckDataOf<E> | void;

/** Marks a method whose parameter takes the validated payload (set by @ClientPayload). */
const CLIENT_PAYLOAD = Symbol('client-payload');

/**
 * Handles a client event of the catalog: @SubscribeMessage(event), with the compiler holding the
 * method's result to the event's ack type. Its payload comes in through @ClientPayload(), which
 * every handler must take, so that no event goes unvalidated (checked when the class is defined:
 * parameter decorators run before method decorators).
 */
export function ClientEvent<E extends ClientEventName>(event: E) {
  return <H extends ClientEventHandler<E>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<H>,
  ): void => {
    if (!Reflect.hasOwnMetadata(CLIENT_PAYLOAD, target, key)) {
      throw new Error(
        `The handler ${String(key)} of '${event}' must take its payload through @ClientPayload()`,
      );
    }
    SubscribeMessage(event)(target, key, descriptor);
  };
}

interface EventPayload {
  event: string;
  payload: unknown;
}

/**
 * Validates a client event's payload against the event's payload class in the catalog, with the
 * one validation pipe HTTP bodies go through (unknown fields rejected, unstorable text refused,
 * transforms such as trimming applied). Every client event carries one JSON object: anything else
 * (a string, null, several arguments) is refused as a whole, before the pipe would report its
 * indexes as fields.
 */
class CatalogPayloadPipe implements PipeTransform<EventPayload, Promise<unknown>> {
  private readonly validation = createValidationPipe();

  async transform({ event, payload }: EventPayload): Promise<unknown> {
    if (!isClientEvent(event)) {
      throw new Error(`The client event '${event}' is not in the socket contract catalog`);
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw ValidationFailed.field('payload', 'must be a JSON object');
    }
    return this.validation.transform(payload, { type: 'body', metatype: CLIENT_EVENTS[event].payload });
  }
}

const eventPayload = createParamDecorator((_: unknown, context: ExecutionContext): EventPayload => ({
  event: context.switchToWs().getPattern(),
  payload: context.switchToWs().getData<unknown>(),
}));

/** The payload of the handled client event, validated against its catalog class: type it `PayloadOf<E>`. */
export function ClientPayload(): ParameterDecorator {
  const decorate = eventPayload(undefined, new CatalogPayloadPipe());
  return (target, key, index) => {
    if (key !== undefined) Reflect.defineMetadata(CLIENT_PAYLOAD, index, target, key);
    decorate(target, key, index);
  };
}
