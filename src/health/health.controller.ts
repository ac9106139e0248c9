import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController, ApiOperation } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorFunction, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AppException } from '../common/app.exception';
import { Public } from '../common/current-user';
import { Draining } from './draining';
import { RedisHealth } from './redis.health';

// Not part of the API document: it is for load balancers and orchestrators (README, "Operations").
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealth,
    private readonly draining: Draining,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Database (and Redis when configured) reachable, and the instance not shutting down' })
  check() {
    const checks: HealthIndicatorFunction[] = [
      () => this.draining.check('instance'),
      () => this.db.pingCheck('database', { timeout: 3000 }),
    ];
    if (this.redis.configured) checks.push(() => this.redis.check('redis'));
    return this.health.check(checks).catch((err: unknown) => {
      // The contract's error body, naming what is not ready: "instance: shutting down", "database: …".
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const failed = Object.entries((err.getResponse() as HealthCheckResult).error ?? {});
      throw new AppException(
        'UNAVAILABLE',
        failed.map(([name, result]) => `${name}: ${String(result?.message ?? 'down')}`).join('; ') || 'not ready',
      );
    });
  }
}
