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

class AppValidationPipe extends ValidationPipe {
  /**
   * Before any DTO rule, every string of the input (body, query, path, socket payload; any
   * field, present or future) is checked for what PostgreSQL cannot store, and nesting is
   * bounded, so that neither reaches class-transformer or the database.
   */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
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
