import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { unstorableFields } from '../http/text-input.util';
import { FieldError, ValidationFailed } from './domain.errors';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * An input class that reads its own plain input when that input certainly passes its rules
 * (ListMessagesQuery.fromPlainQuery, SendMessageDto.fromPlainBody), and answers undefined for
 * anything else.
 */
interface ReadsPlainInput {
  fromPlainQuery?(raw: Record<string, unknown>): object | undefined;
  fromPlainBody?(raw: Record<string, unknown>): object | undefined;
}

/** The input read directly by its class, when the class reads this kind of input and accepts it. */
function readDirectly(value: unknown, { type, metatype }: ArgumentMetadata): object | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const reader = metatype as ReadsPlainInput | undefined;
  const raw = value as Record<string, unknown>;
  if (type === 'query') return reader?.fromPlainQuery?.(raw);
  if (type === 'body') return reader?.fromPlainBody?.(raw);
  return undefined;
}

class AppValidationPipe extends ValidationPipe {
  /**
   * Before any DTO rule, every string of the input (body, query, path, socket payload; any
   * field, present or future) is checked for what PostgreSQL cannot store, and nesting is
   * bounded, so that neither reaches class-transformer or the database. A query or body whose
   * class reads it directly (ReadsPlainInput) skips both when that reading accepts it: it accepts
   * only values that pass every rule, storable among them.
   */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const read = readDirectly(value, metadata);
    if (read) return read;
    if (this.isInput(metadata)) {
      const errors = unstorableFields(value, metadata.data);
      if (errors.length > 0) throw new ValidationFailed(errors);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }

  /** HTTP input, or a socket payload (a DTO class); not the socket, the user or an ack. */
  private isInput(metadata: ArgumentMetadata): boolean {
    const { type } = metadata;
    return (
      type === 'body' ||
      type === 'query' ||
      type === 'param' ||
      (type !== 'custom' && this.toValidate(metadata))
    );
  }

  /**
   * Path params reach ParseIdPipe as the client wrote them: the stock pipe would first turn
   * "1e3" or "0x10" into 1000 or 16 (Number()), which the id check could then no longer refuse.
   */
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

/** The one validation pipe for HTTP and sockets: unknown fields are rejected, types coerced. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    stopAtFirstError: true,
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors)),
  });
}
