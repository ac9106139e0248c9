import { Inject, Injectable, Logger } from '@nestjs/common';
import { ECDH } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { SessionEndedEvent } from '../auth/session.events';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { OnAppEvent } from '../common/event-bus';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ReceiptEvent } from '../conversations/chat.events';
import { CreatePushSubscriptionDto, PushSubscriptionDto } from './dto/push.dto';
import { EndpointPolicy } from './endpoint-policy';
import { PushSubscription } from './push-subscription.entity';
import { PushRepository } from './push.repository';
import { PushWorker } from './push.worker';
import { VapidKeysService } from './vapid-keys.service';

/** Subscriptions one session (device) may have. */
export const PUSH_SUBSCRIPTIONS_PER_SESSION = 5;

const toDto = (s: PushSubscription): PushSubscriptionDto => ({ id: s.id, endpoint: s.endpoint, createdAt: s.createdAt.toISOString() });

/** base64url without padding, as web-push reads it. */
const unpadded = (value: string) => value.replace(/=+$/, '');

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';
}

/**
 * Push subscriptions of sessions, and the "read" pushes that clear a user's notifications on its
 * other devices. The pushes themselves are sent by PushWorker.
 */
@Injectable()
export class PushService {
  private readonly logger = new Logger('Push');

  constructor(
    private readonly repository: PushRepository,
    private readonly policy: EndpointPolicy,
    private readonly worker: PushWorker,
    private readonly vapid: VapidKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The public half of the VAPID key pair: the browser's applicationServerKey. */
  vapidPublicKey(): string {
    return this.vapid.get().publicKey;
  }

  /**
   * Stores the caller's session's subscription. The same endpoint again in this session updates its
   * keys (`created: false`). An endpoint is one browser's push channel: held by another session
   * (the browser logged in again without logging out), it moves to this one, so that the previous
   * account's pushes stop reaching a browser someone else now uses.
   */
  async subscribe(caller: AuthUser, dto: CreatePushSubscriptionDto): Promise<{ created: boolean; subscription: PushSubscriptionDto }> {
    const keys = { p256dh: unpadded(dto.keys.p256dh), auth: unpadded(dto.keys.auth) };
    checkKeys(keys);
    const endpoint = await this.checkEndpoint(dto.endpoint);
    const store = () =>
      this.repository.transaction(async (manager) => {
        if (!(await this.repository.lockSession(manager, caller.sessionId))) throw AppException.unauthorized('session ended');
        const existing = await this.repository.findByEndpoint(manager, endpoint);
        if (existing?.sessionId === caller.sessionId) {
          await this.repository.updateKeys(manager, existing.id, keys.p256dh, keys.auth);
          return { created: false, subscription: toDto(existing) };
        }
        if ((await this.repository.countForSession(manager, caller.sessionId)) >= PUSH_SUBSCRIPTIONS_PER_SESSION) {
          throw new AppException('PUSH_SUBSCRIPTION_LIMIT', `a session has at most ${PUSH_SUBSCRIPTIONS_PER_SESSION} push subscriptions`);
        }
        if (existing) await this.repository.delete(manager, existing.id);
        const stored = await this.repository.insert(manager, { userId: caller.userId, sessionId: caller.sessionId, endpoint, ...keys });
        return { created: true, subscription: toDto(stored) };
      });
    try {
      return await store();
    } catch (err) {
      // Another session stored the same endpoint at the same moment: the second try sees it.
      if (isUniqueViolation(err)) return store();
      throw err;
    }
  }

  async list(caller: AuthUser): Promise<PushSubscriptionDto[]> {
    return (await this.repository.listForSession(caller.sessionId)).map(toDto);
  }

  async remove(caller: AuthUser, id: string): Promise<void> {
    if (!(await this.repository.deleteOfSession(caller.sessionId, id))) {
      throw new AppException('PUSH_SUBSCRIPTION_NOT_FOUND', 'no such push subscription in this session');
    }
  }

  /** Logout: the session's device gets no more pushes. */
  @OnAppEvent('session.ended')
  async onSessionEnded({ sessionId }: SessionEndedEvent): Promise<void> {
    try {
      await this.repository.deleteAllOfSession(sessionId);
    } catch (err) {
      // The worker skips ended sessions anyway; the rows go with the next logout clean-up.
      this.logger.warn(`removing the push subscriptions of an ended session failed: ${(err as Error).message}`);
    }
  }

  /** A user read a chat on one device: its other devices get a "read" push, to close what they show of it. */
  @OnAppEvent('receipt')
  async onReceipt({ chatId, userId, type, seq, sessionId }: ReceiptEvent): Promise<void> {
    if (type !== 'read') return;
    try {
      if (await this.repository.insertReadDeliveries(userId, sessionId, chatId, seq, this.config.pushTtlSeconds)) this.worker.wakeSending();
    } catch (err) {
      this.logger.warn(`storing "read" pushes failed: ${(err as Error).message}`);
    }
  }

  /** The endpoint as `new URL()` writes it, if the SSRF rule lets it be stored (DNS included). */
  private async checkEndpoint(raw: string): Promise<string> {
    const problem = await this.policy.check(raw);
    if (problem?.unresolved) throw new AppException('UNAVAILABLE', 'the endpoint host could not be resolved now; try again');
    if (problem) throw AppException.validation(problem.problem, [{ field: 'endpoint', message: problem.problem }]);
    const { href } = new URL(raw);
    if (href.length > 2048)
      throw AppException.validation('endpoint is too long', [{ field: 'endpoint', message: 'at most 2048 characters' }]);
    return href;
  }
}

/** p256dh must be a point of P-256 (uncompressed), auth 16 bytes: else encryption would fail at every push. */
function checkKeys(keys: { p256dh: string; auth: string }): void {
  const point = Buffer.from(keys.p256dh, 'base64url');
  let onCurve = point.length === 65 && point[0] === 4;
  if (onCurve) {
    try {
      ECDH.convertKey(point, 'prime256v1'); // decodes the point: throws when it is not on the curve
    } catch {
      onCurve = false;
    }
  }
  if (!onCurve) {
    throw AppException.validation('keys.p256dh must be an uncompressed P-256 public key', [
      { field: 'keys.p256dh', message: 'must be an uncompressed P-256 public key (65 bytes, base64url)' },
    ]);
  }
  if (Buffer.from(keys.auth, 'base64url').length !== 16) {
    throw AppException.validation('keys.auth must be 16 bytes', [{ field: 'keys.auth', message: 'must be 16 bytes, base64url' }]);
  }
}
