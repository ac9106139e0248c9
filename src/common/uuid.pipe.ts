import { ParseUUIDPipe } from '@nestjs/common';
import { AppException } from './app.exception';

/** Path ids must be UUIDs: anything else is a 400 VALIDATION_FAILED, not a database error. */
export const uuidPipe = new ParseUUIDPipe({
  exceptionFactory: () => AppException.validation('id must be a UUID', [{ field: 'id', message: 'must be a UUID' }]),
});
