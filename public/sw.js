// @ts-check
// The web client's service worker (scope /): shows the pushes the server sends (docs/push.md) while
// no tab of the app is connected, opens the chat when a notification is clicked, and closes a chat's
// notifications when the user read it on another device. It has no fetch handler: the app is not
// served from here.

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/**
 * @typedef {{ type: 'message', chatId: string, seq: number, messageId: string, chatTitle: string | null, senderName: string, text: string, mention: boolean }} MessagePush
 * @typedef {{ type: 'read', chatId: string, seq: number }} ReadPush
 * @typedef {{ chatId: string, seq: number }} NotificationData what a notification keeps for a click or a "read"
 */

sw.addEventListener('install', () => {
  void sw.skipWaiting();
});

// Tabs opened before the first registration become clients of this worker (a click can reach them).
sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener('push', (event) => {
  /** @type {MessagePush | ReadPush | null} */
  let push = null;
  try {
    push = event.data?.json() ?? null;
  } catch {
    // not ours (or not JSON): nothing to show
  }
  if (push?.type === 'message') event.waitUntil(show(push));
  else if (push?.type === 'read') event.waitUntil(closeRead(push));
});

/** @param {MessagePush} p */
function show(p) {
  const group = p.chatTitle !== null;
  /** @type {NotificationData} */
  const data = { chatId: p.chatId, seq: p.seq };
  // One notification per chat (its tag): a newer message replaces the one shown, and alerts again.
  return sw.registration.showNotification(group ? (p.chatTitle ?? '') : p.senderName, {
    body: group ? `${p.senderName}${p.mention ? ' (mentioned you)' : ''}: ${p.text}` : p.text,
    tag: p.chatId,
    data,
    // @ts-expect-error renotify is in Chromium and the Notifications spec, not yet in TypeScript's DOM types
    renotify: true,
  });
}

/** The user read the chat up to `seq` elsewhere: close what is shown of it up to there. @param {ReadPush} p */
async function closeRead(p) {
  for (const n of await sw.registration.getNotifications({ tag: p.chatId })) {
    if (/** @type {NotificationData} */ (n.data).seq <= p.seq) n.close();
  }
}

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { chatId } = /** @type {NotificationData} */ (event.notification.data);
  const opening = openChat(chatId);
  try {
    event.waitUntil(opening);
  } catch {
    // An event made by script (the browser test's click) cannot be extended; the chat opens all the same.
  }
});

/** Opens the chat in a tab of the app: the focused one, else any, else a new one. @param {string} chatId */
async function openChat(chatId) {
  const tabs = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs.find((t) => t.focused) ?? tabs[0];
  if (!tab) {
    await sw.clients.openWindow(`/?chat=${encodeURIComponent(chatId)}`);
    return;
  }
  tab.postMessage({ type: 'open-chat', chatId });
  // Allowed while handling a real click; a script-made click may not focus (the chat is open anyway).
  await tab.focus().catch(() => undefined);
}
