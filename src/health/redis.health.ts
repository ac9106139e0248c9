import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RedisConnections } from '../common/redis-connections';

@Injectable()
export class RedisHealth {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly redis: RedisConnections,
  ) {}

  get configured(): boolean {
    return this.redis.configured;
  }

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      await this.redis.ping();
      return session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
