/**
 * Jest's asymmetric matchers, typed as the value they stand for instead of `any`: an expected
 * object built with them type-checks as the DTO it describes (and lints clean).
 */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The contract's times: ISO-8601 in UTC, with milliseconds (`Date.prototype.toISOString`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const matching = (pattern: RegExp | string): string => expect.stringMatching(pattern) as string;
export const aUuid = (): string => matching(UUID);
export const anIsoTime = (): string => matching(ISO_TIME);
export const anyString = (): string => expect.any(String) as string;
export const anyBoolean = (): boolean => expect.any(Boolean) as boolean;
export const anyArray = <T = unknown>(): T[] => expect.any(Array) as T[];
export const containing = <T extends object>(partial: Partial<T>): T => expect.objectContaining(partial) as T;
