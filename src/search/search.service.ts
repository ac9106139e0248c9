import { Injectable } from '@nestjs/common';
import { AppException } from '../common/app.exception';
import { AuthUser } from '../common/current-user';
import { ChatsService } from '../conversations/chats.service';
import { MessageViewsService } from '../conversations/message-views.service';
import { SEARCH_PAGE_DEFAULT, SearchPageDto, SearchQuery } from './dto/search.dto';
import { SearchPosition } from './search.query';
import { SearchRepository } from './search.repository';
import { queryWords, snippet, substringChecks, tsQueries } from './search-text';
import { ReadReplicas } from '../read-replicas/read-replicas';

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function encodeCursor(p: SearchPosition): string {
  return Buffer.from(JSON.stringify({ t: p.at, c: p.chatId, s: p.seq })).toString('base64url');
}

function decodeCursor(raw: string): SearchPosition {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString()) as { t?: unknown; c?: unknown; s?: unknown };
    // A real date (no 30 February, no year 0), which PostgreSQL will take: it reads back the same.
    const at = typeof c.t === 'string' && CURSOR_TIME.test(c.t) && !c.t.startsWith('0000') ? new Date(c.t) : null;
    const real = at !== null && !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 23) === (c.t as string).slice(0, 23);
    if (real && typeof c.c === 'string' && CURSOR_ID.test(c.c) && Number.isInteger(c.s)) {
      const seq = c.s as number;
      if (seq >= 1 && seq <= 2147483647) return { at: c.t as string, chatId: c.c, seq };
    }
  } catch {
    // fall through
  }
  throw AppException.validation('cursor is not valid', [{ field: 'cursor', message: 'not a cursor from this API' }]);
}

/** Folded characters seen so far (they never change while the process runs); bounded. */
const FOLD_CACHE_MAX = 100_000;

@Injectable()
export class SearchService {
  private readonly folds = new Map<string, string>();

  constructor(
    private readonly repository: SearchRepository,
    private readonly reads: ReadReplicas,
    private readonly chats: ChatsService,
    private readonly views: MessageViewsService,
  ) {}

  /**
   * The caller's messages matching `q`, newest first, each with a snippet: only what the caller can
   * see now (the one visibility rule, in the page query). REST and `messages:search` alike.
   */
  async search(caller: AuthUser, query: SearchQuery): Promise<SearchPageDto> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const limit = query.limit ?? SEARCH_PAGE_DEFAULT;
    // The access check and the query's words at once (the words reveal nothing); the page only
    // after the check has passed.
    const access = query.chatId !== undefined ? this.chats.requireAccess(caller, query.chatId) : Promise.resolve(null);
    access.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    // Both statements on one server: a replica that has the caller's last write, else the primary.
    const found = await this.reads.read(caller.userId, async (manager) => {
      const [{ tokens, chatIds }] = await Promise.all([this.repository.prepare(query.q, caller.userId, query.chatId, manager), access]);
      const words = queryWords(tokens);
      // Nothing but separators (say "?!"), or no chat at all: nothing can match.
      if (!words.length || !chatIds.length) return null;
      const rows = await this.repository.findPage(
        {
          viewerId: caller.userId,
          chatIds,
          tsQueries: tsQueries(chatIds, words),
          substrings: substringChecks(words),
          chatId: query.chatId,
          before,
          limit,
        },
        manager,
      );
      return { words, rows };
    });
    if (!found) return { items: [], nextCursor: null };
    const { words, rows } = found;
    const page = rows.slice(0, limit);
    const [messages] = await Promise.all([
      this.views.present(
        page.map((r) => r.message),
        caller.userId,
      ),
      this.learnFolds(page.map((r) => r.message.text ?? '')),
    ]);
    const fold = (ch: string) => this.folds.get(ch) ?? ch;
    const last = page.at(-1);
    return {
      items: page.map((r, i) => ({ message: messages[i], snippet: snippet(r.message.text ?? '', words, fold) })),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.sortKey, chatId: last.message.chatId, seq: last.message.seq }) : null,
    };
  }

  /** Asks the database for the folded form of the characters not seen yet. */
  private async learnFolds(texts: string[]): Promise<void> {
    const unseen = [...new Set(texts.flatMap((t) => [...t]))].filter((ch) => !this.folds.has(ch));
    if (!unseen.length) return;
    const changed = await this.repository.fold(unseen);
    if (this.folds.size + unseen.length > FOLD_CACHE_MAX) this.folds.clear();
    for (const ch of unseen) this.folds.set(ch, changed.get(ch) ?? ch);
  }
}
