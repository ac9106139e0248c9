// Entry point: shows the log-in form or the app, and follows the session (also across tabs).
import { api, getSession, logout, onSessionChange } from './api.js';
import { $, fillIcons } from './dom.js';
import { initNotifications, startNotifications } from './notifications.js';
import { initSearch } from './search.js';
import { startSession, stopSession } from './session.js';
import { initAuthView, showAuthView } from './views/auth.js';
import { initChatView } from './views/chat.js';
import { initChatList } from './views/chat-list.js';
import { focusComposer } from './views/composer.js';
import { initDialogs } from './views/dialogs.js';
import { initMessageDialogs } from './views/message-dialogs.js';

let currentUserId = null;

async function enter(session) {
  if (currentUserId === session.user.id) return;
  if (currentUserId) stopSession(); // another account logged in from another tab
  currentUserId = session.user.id;
  $('#auth-view').hidden = true;
  $('#app-view').hidden = false;
  let me = session.user;
  try {
    me = await api('GET', '/api/users/me');
  } catch {
    // the stored profile will do; a dead session logs out through onSessionChange
  }
  if (currentUserId !== me.id) return;
  void startSession(me).then(() => currentUserId === me.id && startNotifications());
}

function leave() {
  currentUserId = null;
  stopSession();
  showAuthView();
}

function follow(session) {
  if (session) enter(session);
  else leave();
}

fillIcons();
initAuthView();
initChatList();
initSearch();
initChatView();
initDialogs();
initMessageDialogs();
initNotifications();
$('#logout-btn').addEventListener('click', () => logout());
// Opening a chat from the list moves focus to the composer (not on phones: no keyboard popping up).
$('#chat-list').addEventListener('click', (e) => {
  if (e.target.closest('.chat-item') && window.matchMedia('(min-width: 720px)').matches) focusComposer();
});
onSessionChange(follow);
follow(getSession());
