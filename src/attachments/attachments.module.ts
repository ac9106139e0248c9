import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AttachmentsCleanupService } from './attachments-cleanup.service';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsRepository } from './attachments.repository';
import { AttachmentsService } from './attachments.service';
import { ATTACHMENT_STORAGE } from './storage/attachment-storage';
import { FilesystemAttachmentStorage } from './storage/filesystem-storage';

@Module({
  controllers: [AttachmentsController],
  providers: [
    AttachmentsRepository,
    AttachmentsService,
    AttachmentsCleanupService,
    // The one place that picks the storage backend.
    {
      provide: ATTACHMENT_STORAGE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new FilesystemAttachmentStorage(join(config.dataDir, 'attachments')),
    },
  ],
  exports: [AttachmentsService],
})
export class AttachmentsModule {}
