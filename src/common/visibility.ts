/**
 * The one visibility rule: what a member may see of a chat's messages. A member sees the messages
 * after their dialog cut-off (`cleared_seq`, "delete the dialog for me") that they did not delete for
 * themselves (`message_hides`); of a message deleted for everyone they see only its tombstone, so
 * content reads (attachment downloads, search) leave those out as well.
 *
 * "A member now" is the other half of the rule: one chat's reads pass the access check first
 * (`ChatsService.requireAccess`, which yields the cut-off), reads across chats join the viewer's
 * `chat_members` rows (`memberJoin`). History, the chat list's last message and unread count,
 * attachment downloads and search all build their SQL from these two helpers.
 */

/** SQL expressions for the viewer: their user id and their cut-off (a parameter or a column). */
export interface Viewer {
  userId: string;
  clearedSeq: string;
}

export interface VisibilityOptions {
  /** Leave out messages deleted for everyone (content reads); history and the chat list show their tombstones. */
  content?: boolean;
}

/** `m` (a `messages` alias) is visible to the viewer. */
export function visibleTo(m: string, viewer: Viewer, options: VisibilityOptions = {}): string {
  const hide = `${m}_hide`;
  const rules = [
    `${m}.seq > ${viewer.clearedSeq}`,
    `NOT EXISTS (SELECT 1 FROM message_hides ${hide} WHERE ${hide}.user_id = ${viewer.userId} AND ${hide}.chat_id = ${m}.chat_id AND ${hide}.seq = ${m}.seq)`,
  ];
  if (options.content) rules.push(`${m}.deleted_at IS NULL`);
  return rules.join(' AND ');
}

/** Joins the viewer's membership `cm` of the chat of `m`: no row when they are not a member now. */
export function memberJoin(m: string, cm: string, userId: string): string {
  return `JOIN chat_members ${cm} ON ${cm}.chat_id = ${m}.chat_id AND ${cm}.user_id = ${userId}`;
}
