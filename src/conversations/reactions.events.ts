import type { ReactionNoticeDto } from './dto/reaction.dto';

/** A reaction was put or taken back (only when that changed something), after the commit. */
export interface ReactionEvent {
  notice: ReactionNoticeDto;
  /** Every member of the chat: the reacting user's sockets get it too, the reacting one included. */
  recipientIds: string[];
}

declare module '../common/event-bus' {
  interface AppEvents {
    reaction: ReactionEvent;
  }
}
