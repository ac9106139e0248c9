import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { generateVAPIDKeys } from 'web-push';
import { AppException } from '../common/app.exception';
import { APP_CONFIG, AppConfig, VapidKeys } from '../config/app-config';
import { PushRepository } from './push.repository';

/**
 * The VAPID key pair (RFC 8292) pushes are signed with: VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY, or else
 * a pair made once and kept in the database, so that subscriptions made for its public key keep
 * working after a restart, on every instance.
 */
@Injectable()
export class VapidKeysService implements OnModuleInit {
  private readonly logger = new Logger('Push');
  private keys: VapidKeys | null = null;

  constructor(
    private readonly repository: PushRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.vapidKeys) {
      this.keys = this.config.vapidKeys;
      return;
    }
    this.keys = await this.repository.vapidKeys(() => generateVAPIDKeys());
    this.logger.log('VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY unset: using the key pair kept in the database');
  }

  get(): VapidKeys {
    if (!this.keys) throw new AppException('UNAVAILABLE', 'push notifications are starting');
    return this.keys;
  }
}
