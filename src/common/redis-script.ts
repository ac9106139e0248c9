import { createHash } from 'node:crypto';
import type { RedisScripts } from '@redis/client';

type RedisScript = RedisScripts[string];

/**
 * node-redis's `defineScript` (the script with its SHA1, which the client runs by EVALSHA), kept here
 * so that defining the scripts does not load the Redis client: an instance without Redis (embedded
 * mode, one instance) never loads it at all (`RedisConnections` requires it when it connects).
 */
export function defineScript<S extends Omit<RedisScript, 'SHA1'>>(script: S): S & Pick<RedisScript, 'SHA1'> {
  return { ...script, SHA1: createHash('sha1').update(script.SCRIPT).digest('hex') };
}
