// @ts-check
// Push notifications (docs/push.md): the service worker (/sw.js), the "Enable notifications" control
// (the browser asks for permission only on its click), the subscription uploaded for this session,
// and opening the chat a clicked notification is about.
import { api } from './api.js';
import { $ } from './dom.js';
import { openChat } from './history.js';
import { state } from './state.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** @type {Promise<ServiceWorkerRegistration | null>} */
let registration = Promise.resolve(null);

/** The chat a notification clicked with no tab open asked for (`/?chat=<id>`), until the session opens it. */
let requestedChat = new URLSearchParams(location.search).get('chat');

/** Whether this session's subscription is stored on the server. */
let subscribed = false;

export function initNotifications() {
  if (!('serviceWorker' in navigator)) return;
  registration = navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err) => {
    console.warn('service worker not registered:', err);
    return null;
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    const chatId = event.data?.type === 'open-chat' ? event.data.chatId : null;
    if (typeof chatId === 'string' && UUID.test(chatId) && state.me) void openChat(chatId);
  });
  navigator.serviceWorker.startMessages();
  $('#notify-btn').addEventListener('click', () => void enable());
}

/**
 * After login: the chat a notification asked for, and the control. Where permission was granted
 * before, the browser's subscription is uploaded again, for this session (a new login is a new
 * session; the server forgot the subscription at logout).
 */
export async function startNotifications() {
  subscribed = false;
  if (requestedChat) {
    const chatId = requestedChat;
    requestedChat = null;
    history.replaceState(null, '', '/');
    if (UUID.test(chatId)) void openChat(chatId);
  }
  render();
  if (!supported || window.Notification.permission !== 'granted') return;
  try {
    const subscription = await (await registration)?.pushManager.getSubscription();
    if (subscription) await upload(subscription);
  } catch {
    render(); // the button again: a click tries once more
  }
}

/** The click: permission, then the subscription with the server's VAPID key, then its upload. */
async function enable() {
  render('Asking…');
  if ((await window.Notification.requestPermission()) !== 'granted') {
    render();
    return;
  }
  try {
    const reg = await navigator.serviceWorker.ready;
    const { publicKey } = await api('GET', '/api/push/vapid-public-key');
    const key = fromBase64url(publicKey);
    let subscription = await reg.pushManager.getSubscription();
    // One made for another key (the server's changed) cannot be pushed to: make a new one.
    if (subscription && !sameBytes(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    await upload(subscription);
  } catch (err) {
    render(`Notifications could not be turned on: ${/** @type {Error} */ (err).message}`);
  }
}

/** @param {PushSubscription} subscription */
async function upload(subscription) {
  await api('POST', '/api/push/subscriptions', subscription.toJSON());
  subscribed = true;
  render('Notifications are on.');
}

/** The control as things are: hidden when unsupported, else a button or a word on why not. @param {string} [status] */
function render(status = '') {
  const bar = /** @type {HTMLElement} */ ($('#notify-bar'));
  const button = /** @type {HTMLButtonElement} */ ($('#notify-btn'));
  const denied = supported && window.Notification.permission === 'denied';
  bar.hidden = !supported;
  button.hidden = subscribed || denied;
  $('#notify-status').textContent = denied ? 'Notifications are blocked in the browser’s settings for this site.' : status;
}

/** @param {string} text base64url, padded or not */
function fromBase64url(text) {
  const binary = window.atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** @param {ArrayBuffer | null} a @param {Uint8Array} b */
function sameBytes(a, b) {
  if (!a || a.byteLength !== b.length) return false;
  const bytes = new Uint8Array(a);
  return bytes.every((x, i) => x === b[i]);
}
