import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/**
 * Whether this instance is draining: told to stop (SIGTERM) and still serving while the load
 * balancer takes it out of rotation. From `drain()` on, `GET /health` answers 503, so the balancer
 * (or Kubernetes' readiness probe) sends new connections elsewhere; what is connected keeps working
 * until the drain period ends and the application closes (src/main.ts).
 */
@Injectable()
export class Draining {
  private since: number | null = null;

  constructor(private readonly indicator: HealthIndicatorService) {}

  drain(): void {
    this.since ??= Date.now();
  }

  check(key: string): HealthIndicatorResult {
    const session = this.indicator.check(key);
    return this.since === null ? session.up() : session.down({ message: 'shutting down', since: new Date(this.since).toISOString() });
  }
}
