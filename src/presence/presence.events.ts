/** A user turned online or offline: told to the users who share a chat with it. */
export interface PresenceEvent {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
  recipientIds: string[];
}

declare module '../common/event-bus' {
  interface AppEvents {
    presence: PresenceEvent;
  }
}
