import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailed } from '../errors/domain.errors';

export const MAX_ID = 2_147_483_647;

/** Path ids are positive 32-bit integers; anything else is a 400 naming the parameter. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const id = /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
    if (!(id <= MAX_ID)) {
      throw ValidationFailed.field(metadata.data ?? 'id', 'must be a positive integer');
    }
    return id;
  }
}
