import { Global, Injectable, Module } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';

/**
 * The internal bus's map: event name → payload. It is declared empty here and each module adds the
 * events it publishes next to its publisher (`declare module './event-bus'`), so the map is
 * one type while common/ imports no feature. Services publish after a commit; the realtime gateway
 * listens and only emits.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface AppEvents {}

export type AppEventName = keyof AppEvents;

/** The typed face of the bus: an event name and its payload type go together. */
@Injectable()
export class EventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  emit<E extends AppEventName>(event: E, payload: AppEvents[E]): void {
    this.emitter.emit(event, payload);
  }
}

/** `@OnEvent` restricted to the bus's names. */
export const OnAppEvent = <E extends AppEventName>(event: E): MethodDecorator => OnEvent(event);

@Global()
@Module({ providers: [EventBus], exports: [EventBus] })
export class EventBusModule {}
