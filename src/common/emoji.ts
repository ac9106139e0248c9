import { ValidationOptions, registerDecorator } from 'class-validator';

/**
 * Exactly one element of Unicode's RGI emoji set (a ZWJ sequence, a flag, a keycap, a skin tone
 * each count as one), as the ECMAScript `v` flag's `\p{RGI_Emoji}` defines it. V8 takes the list
 * from ICU (Unicode 17.0 on Node 20.20), so no package of emoji data is needed; a newer Node may
 * accept newer emoji. Built with RegExp() because TypeScript targets ES2022, before the `v` flag.
 */
const ONE_RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** The longest RGI emoji has 10 code points (a kiss with two skin tones); the column holds 32. */
export const EMOJI_MAX_LENGTH = 32;

export function isRgiEmoji(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2 * EMOJI_MAX_LENGTH && ONE_RGI_EMOJI.test(value);
}

/** One RGI emoji (see isRgiEmoji). */
export function IsRgiEmoji(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isRgiEmoji',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be exactly one emoji (Unicode RGI)', ...options },
      validator: { validate: isRgiEmoji },
    });
}
