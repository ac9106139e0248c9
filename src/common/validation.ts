import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AppException, FieldError } from './app.exception';

const VALIDATOR_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

export function validationException(errors: ValidationError[]): AppException {
  const details = flatten(errors);
  return AppException.validation(details[0]?.message ?? 'invalid input', details);
}

/** The global pipe for REST: whitelist, forbid unknown, transform; failures are VALIDATION_FAILED. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATOR_OPTIONS,
    transform: true,
    exceptionFactory: validationException,
  });
}

/** The same rules for a socket payload: returns the DTO or throws the contract's error. */
export async function validatePayload<T extends object>(cls: new () => T, payload: unknown): Promise<T> {
  // A plain JSON object only: socket.io also delivers binary payloads (Buffers), which are objects too.
  const prototype: unknown = payload !== null && typeof payload === 'object' ? Object.getPrototypeOf(payload) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    throw AppException.validation('payload must be an object', [{ field: 'payload', message: 'must be a JSON object' }]);
  }
  const instance = plainToInstance(cls, payload);
  const errors = await validate(instance, VALIDATOR_OPTIONS);
  if (errors.length) throw validationException(errors);
  return instance;
}
