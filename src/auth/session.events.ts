export interface SessionEndedEvent {
  userId: string;
  sessionId: string;
}

declare module '../common/event-bus' {
  interface AppEvents {
    /** Logout: that session's sockets close, on every instance. */
    'session.ended': SessionEndedEvent;
  }
}
