import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidationOptions, registerDecorator } from 'class-validator';

export function codePointLength(value: string): number {
  let n = 0;
  // Counting code points without building an array ([...value].length allocates one per character).
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Length in Unicode code points (`[...text].length`), as the contract counts. */
export function CodePointLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'codePointLength',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be ${min}–${max} characters long`, ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && codePointLength(value) >= min && codePointLength(value) <= max,
      },
    });
}

/**
 * A number from a query string: numeric strings become numbers, anything else is left as it came
 * (so IsInt rejects it with a 400). `@Type(() => Number)` would call Number() on objects too, which
 * throws for `{ "valueOf": 1 }` and turned such input into a 500.
 */
export function ToNumber(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value));
}

/** An optional page size in a query string: an integer from 1 to `max`, `fallback` when absent. */
export function PageLimit(fallback: number, max: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', default: fallback, minimum: 1, maximum: max }),
    IsOptional(),
    ToNumber(),
    IsInt(),
    Min(1),
    Max(max),
  );
}
