import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PresenceModule } from '../presence/presence.module';
import { EndpointPolicy } from './endpoint-policy';
import { PUSH_SENDER } from './push-sender';
import { PushController } from './push.controller';
import { PushRepository } from './push.repository';
import { PushService } from './push.service';
import { PushWorker } from './push.worker';
import { VapidKeysService } from './vapid-keys.service';
import { WebPushSender } from './web-push-sender';

@Module({
  imports: [PresenceModule],
  controllers: [PushController],
  providers: [
    PushRepository,
    PushService,
    PushWorker,
    VapidKeysService,
    {
      provide: EndpointPolicy,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new EndpointPolicy(config.pushEndpointAllow),
    },
    {
      // Web Push for every subscription today; FCM / APNs senders would sit behind the same interface.
      provide: PUSH_SENDER,
      inject: [APP_CONFIG, EndpointPolicy, VapidKeysService],
      useFactory: (config: AppConfig, policy: EndpointPolicy, vapid: VapidKeysService) =>
        new WebPushSender(() => vapid.get(), config.vapidSubject, policy),
    },
  ],
})
export class PushModule {}
