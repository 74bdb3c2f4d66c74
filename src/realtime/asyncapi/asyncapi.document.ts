import type { INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ErrorDto, FieldErrorDto } from '../../common/http/api-errors.decorator';
import { SOCKET_MAX_PAYLOAD_BYTES } from '../realtime-io.adapter';
import { RealtimeModule } from '../realtime.module';
import { ACK_ERRORS, type AckErrorStatus, CLIENT_EVENTS, SERVER_EVENTS } from '../socket-contract.catalog';

export const ASYNCAPI_PATH = '/docs/asyncapi.json';

type Json = Record<string, unknown>;
const CHANNEL = '#/channels/socket';
const ref = (path: string): Json => ({ $ref: path });
const schemaRef = (type: Type): Json => ref(`#/components/schemas/${type.name}`);
/** Component and message keys may not contain ':'. */
const keyOf = (event: string): string => event.replace(/:/g, '.');

function ackSchema(data: Type | null, errors: readonly AckErrorStatus[]): Json {
  const statuses: AckErrorStatus[] = [400, ...errors, 429, 503];
  return {
    oneOf: [
      {
        type: 'object',
        required: ['ok', 'data'],
        properties: {
          ok: { type: 'boolean', const: true },
          data: data ? schemaRef(data) : { type: 'object', additionalProperties: false },
        },
      },
      {
        type: 'object',
        required: ['ok', 'error'],
        properties: { ok: { type: 'boolean', const: false }, error: schemaRef(ErrorDto) },
        description: `Possible errors: ${statuses.map((status) => ACK_ERRORS[status]).join('; ')}`,
      },
    ],
  };
}

/** The JSON Schemas of the payload classes, from their @ApiProperty metadata (as in OpenAPI). */
function schemasOf(app: INestApplication): Json {
  const models = new Set<Type>([ErrorDto, FieldErrorDto]);
  for (const spec of Object.values(CLIENT_EVENTS)) {
    models.add(spec.payload);
    if (spec.ack) models.add(spec.ack);
  }
  for (const spec of Object.values(SERVER_EVENTS)) models.add(spec.payload);
  const openapi = SwaggerModule.createDocument(app, new DocumentBuilder().build(), {
    include: [RealtimeModule],
    extraModels: [...models],
  });
  const schemas = (openapi.components?.schemas ?? {}) as Json;
  return Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((name) => [name, schemas[name]]),
  );
}

/** The AsyncAPI 3 document of the socket events, derived from the socket contract catalog. */
export function buildAsyncApiDocument(app: INestApplication): Json {
  const messages: Json = {};
  const operations: Json = {};
  for (const [event, spec] of Object.entries(CLIENT_EVENTS)) {
    const key = keyOf(event);
    messages[`${key}.request`] = {
      name: event,
      title: event,
      summary: spec.summary,
      payload: schemaRef(spec.payload),
    };
    messages[`${key}.ack`] = {
      name: `${event} (ack)`,
      title: `${event} acknowledgement`,
      summary: 'The argument of the acknowledgement callback.',
      payload: ackSchema(spec.ack, spec.errors),
    };
    operations[`receive.${key}`] = {
      action: 'receive',
      channel: ref(CHANNEL),
      title: event,
      summary: spec.summary,
      messages: [ref(`${CHANNEL}/messages/${key}.request`)],
      reply: { channel: ref(CHANNEL), messages: [ref(`${CHANNEL}/messages/${key}.ack`)] },
    };
  }
  for (const [event, spec] of Object.entries(SERVER_EVENTS)) {
    const key = keyOf(event);
    messages[key] = { name: event, title: event, summary: spec.summary, payload: schemaRef(spec.payload) };
    operations[`send.${key}`] = {
      action: 'send',
      channel: ref(CHANNEL),
      title: event,
      summary: spec.summary,
      description: `To: ${spec.audience}.`,
      messages: [ref(`${CHANNEL}/messages/${key}`)],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Rescue chat realtime API',
      version: '1',
      description:
        'Socket.IO events of the rescue chat service. Connect with socket.io-client to the service origin ' +
        '(path /socket.io, namespace /) with the access token as auth: {token} or an Authorization: Bearer ' +
        "header. A missing, bad or expired token refuses the connection: connect_error with message 'unauthorized' " +
        '(error.data has the error shape). Too many connection attempts from one address or one user in a minute ' +
        "refuse it with message 'rate_limited' (error.data.details.retry_after_ms); too many sockets of one user " +
        "on one instance with 'limit_exceeded' (error.data.details.limit). " +
        'On connect the socket joins the room of each chat its user is an ' +
        'active member of and a room of its own user. Every client event takes an acknowledgement callback ' +
        'answered with {ok: true, data} or {ok: false, error}; an event without one is still carried out. ' +
        `Packets over ${SOCKET_MAX_PAYLOAD_BYTES / 1024} KB close the connection, and so does output the client ` +
        'leaves unread past the configured cap (SOCKET_MAX_UNSENT_BYTES). Every client event is rate limited. ' +
        'After a reconnect, call ' +
        'chat:sync for each open chat with the last seq the client has.',
    },
    defaultContentType: 'application/json',
    servers: {
      service: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io',
        description: 'Socket.IO (engine.io v4) on the HTTP origin of the service.',
        security: [ref('#/components/securitySchemes/accessToken')],
      },
    },
    channels: {
      socket: {
        address: '/',
        title: 'Socket.IO namespace /',
        description: 'All events travel on the default namespace; rooms decide who receives them.',
        messages,
      },
    },
    operations,
    components: {
      schemas: schemasOf(app),
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The REST access token, in the handshake: auth: {token} or Authorization: Bearer.',
        },
      },
    },
  };
}

/** Serves the document at /docs/asyncapi.json, outside the API prefix and without auth, like /docs. */
export function serveAsyncApi(app: INestApplication): void {
  let document: Json | undefined;
  const http = app.getHttpAdapter();
  http.get(ASYNCAPI_PATH, (_request: unknown, response: unknown) => {
    document ??= buildAsyncApiDocument(app);
    http.reply(response, document, 200);
  });
}
