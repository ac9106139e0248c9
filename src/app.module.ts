import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AttachmentsModule } from './attachments/attachments.module';
import { AuthModule } from './auth/auth.module';
import { ChatsModule } from './conversations/chats.module';
import { EventBusModule } from './common/event-bus';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { RedisModule } from './common/redis-connections';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule, DatabaseTarget } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MessagesModule } from './conversations/messages.module';
import { PresenceModule } from './presence/presence.module';
import { PushModule } from './push/push.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SearchModule } from './search/search.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** The application's modules, with the configuration the caller loaded (once) provided as APP_CONFIG. */
  static forRoot(config: AppConfig, database: DatabaseTarget): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        RedisModule,
        EventEmitterModule.forRoot(),
        EventBusModule,
        DatabaseModule.forRoot(database),
        HealthModule,
        AuthModule,
        UsersModule,
        PresenceModule,
        ChatsModule,
        MessagesModule,
        SearchModule,
        RealtimeModule,
        AttachmentsModule,
        PushModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
