import { defineScript as nodeRedisDefineScript } from '@redis/client';
import { defineScript } from './redis-script';

describe('defineScript', () => {
  it('gives the SHA1 node-redis gives (the client runs the script by it)', () => {
    const script = {
      SCRIPT: "return redis.call('GET', KEYS[1])",
      NUMBER_OF_KEYS: 1,
      parseCommand: () => undefined,
      transformReply: () => null,
    };
    expect(defineScript(script).SHA1).toBe(nodeRedisDefineScript(script).SHA1);
    expect(defineScript(script)).toMatchObject({ SCRIPT: script.SCRIPT, NUMBER_OF_KEYS: 1 });
  });
});
