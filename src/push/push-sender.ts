import type { PushUrgency } from './push-payload';

/**
 * The one seam between the push worker and a push service. Web Push (RFC 8030/8291/8292) is the
 * implementation today (WebPushSender); FCM or APNs for native apps would be another class behind
 * the same interface, chosen per subscription, with the worker unchanged.
 */
export interface PushSender {
  send(target: PushTarget, payload: string, options: PushOptions): Promise<PushOutcome>;
}

export const PUSH_SENDER = Symbol('PUSH_SENDER');

export interface PushTarget {
  endpoint: string;
  /** The receiver's P-256 public key and auth secret, base64url. */
  p256dh: string;
  auth: string;
}

export interface PushOptions {
  ttlSeconds: number;
  urgency: PushUrgency;
  topic: string;
}

/**
 * What became of one push: `sent` (accepted by the push service); `retry` (429, 5xx, a network
 * error: try again, after `retryAfterSeconds` when the service said so); `gone` (404/410: the
 * subscription has ended); `rejected` (any other refusal, or an endpoint the SSRF rule refuses: no
 * retry will help).
 */
export type PushOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; retryAfterSeconds: number | null; reason: string }
  | { kind: 'gone'; reason: string }
  | { kind: 'rejected'; reason: string };
