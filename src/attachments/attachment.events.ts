/** An uploader deleted an attachment: the messages carrying it are re-announced by their owner. */
export interface AttachmentDeletedEvent {
  attachmentId: string;
  originSocketId?: string;
}

declare module '../common/event-bus' {
  interface AppEvents {
    'attachment.deleted': AttachmentDeletedEvent;
  }
}
