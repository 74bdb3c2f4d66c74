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
 * A query class that reads its own plain input when that input certainly passes its rules
 * (ListMessagesQuery.fromPlainQuery), and answers undefined for anything else.
 */
interface ReadsPlainQuery {
  fromPlainQuery(raw: Record<string, unknown>): object | undefined;
}

function readsPlainQuery(metatype: unknown): metatype is ReadsPlainQuery {
  return typeof (metatype as Partial<ReadsPlainQuery> | undefined)?.fromPlainQuery === 'function';
}

class AppValidationPipe extends ValidationPipe {
  /**
   * Before any DTO rule, every string of the input (body, query, path, socket payload; any
   * field, present or future) is checked for what PostgreSQL cannot store, and nesting is
   * bounded, so that neither reaches class-transformer or the database. A query whose class
   * reads it directly (ReadsPlainQuery) skips both when that reading accepts it: it accepts only
   * values that pass every rule, storable among them.
   */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (
      metadata.type === 'query' &&
      readsPlainQuery(metadata.metatype) &&
      typeof value === 'object' &&
      value
    ) {
      const read = metadata.metatype.fromPlainQuery(value as Record<string, unknown>);
      if (read) return read;
    }
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
