import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { IS_PUBLIC } from '../common/http/public.decorator';
import { FieldErrorDto } from '../common/http/api-errors.decorator';

const operationId = (controller: string, method: string): string => `${controller}_${method}`;

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Rescue chat API')
    .setDescription(
      'REST API of the messenger of the stray-animal rescue platform. Every error has the shape ' +
        '{status, code, message, details?}. Realtime events are described in /docs/asyncapi.json.',
    )
    .setVersion('1')
    // Relative: the paths carry /api/v1, and a client calls whichever origin served it the document.
    .addServer('/', 'The origin this document is served from')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    // Referenced from ErrorDto.details by name only.
    extraModels: [FieldErrorDto],
    operationIdFactory: operationId,
  });
  markPublicOperations(app, document);
  return document;
}

/** `security: []` on the operations of @Public() routes: they need no token. */
function markPublicOperations(app: INestApplication, document: OpenAPIObject): void {
  const reflector = app.get(Reflector);
  const open = new Set<string>();
  for (const { metatype } of new DiscoveryService(app.get(ModulesContainer)).getControllers()) {
    if (typeof metatype !== 'function') continue;
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const method of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[method];
      if (method === 'constructor' || typeof handler !== 'function') continue;
      if (reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, metatype]) === true) {
        open.add(operationId(metatype.name, method));
      }
    }
  }
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      if (operation?.operationId !== undefined && open.has(operation.operationId)) operation.security = [];
    }
  }
}

/** Serves the OpenAPI UI at /docs and the document at /docs/openapi.json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    useGlobalPrefix: false,
  });
}
