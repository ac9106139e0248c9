// @ts-check
// Message search above the chat list: results newest first (chat, sender, time, snippet with the
// matches marked), "more results" by the server's cursor, and a result opens its chat at that
// message. The snippet is the server's plain text with matches between « and »: it becomes text
// nodes and <mark> elements, never HTML.
import { chatTitle } from './chats.js';
import { $, formatTime, h } from './dom.js';
import { openChatAt } from './history.js';
import { failed, state } from './state.js';
import { perform } from './transport.js';
import { userName } from './users.js';
import { showMessage } from './views/jump.js';

/** The query of the results on screen, and the cursor of the next page. */
let current = { q: '', cursor: /** @type {string | null} */ (null) };
let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
const DEBOUNCE_MS = 250;

/**
 * One page of results for `q` (after `cursor`).
 * @param {string} q
 * @param {string | null} cursor
 * @returns {Promise<{ items: { message: any, snippet: string }[], nextCursor: string | null }>}
 */
function searchPage(q, cursor) {
  const query = new URLSearchParams(cursor ? { q, cursor } : { q });
  return perform('messages:search', cursor ? { q, cursor } : { q }, { method: 'GET', path: `/api/search/messages?${query}` });
}

/**
 * The snippet as nodes: text outside « », <mark> inside.
 * @param {string} snippet
 */
export function markedSnippet(snippet) {
  return snippet.split(/(«[^»]*»)/u).map((part) => (part.startsWith('«') && part.endsWith('»') ? h('mark', {}, part.slice(1, -1)) : part));
}

/** @param {{ message: any, snippet: string }} item */
function renderResult(item) {
  const m = item.message;
  const chat = state.chats.get(m.chatId);
  const sender = m.senderId === state.me?.id ? 'You' : userName(m.senderId);
  return h(
    'li',
    {},
    h(
      'button',
      {
        type: 'button',
        class: 'search-result',
        dataset: { chatId: m.chatId, seq: String(m.seq) },
        onclick: () => openResult(m.chatId, m.seq),
      },
      h(
        'span',
        { class: 'chat-item-top' },
        h('span', { class: 'chat-item-title search-chat' }, chat ? chatTitle(chat) : 'Chat'),
        h('time', { class: 'chat-item-time', datetime: m.createdAt }, formatTime(m.createdAt)),
      ),
      h('span', { class: 'search-sender muted small' }, sender),
      h('span', { class: 'search-snippet' }, markedSnippet(item.snippet)),
    ),
  );
}

/** @param {string} chatId @param {number} seq */
async function openResult(chatId, seq) {
  await openChatAt(chatId, seq);
  await showMessage(chatId, seq);
}

/** @param {string} text */
function setStatus(text) {
  $('#search-status').textContent = text;
}

/** @param {boolean} on */
function showResults(on) {
  $('#sidebar').classList.toggle('searching', on);
  $('#search-results').hidden = !on;
}

async function runSearch() {
  const q = $('#search-input').value.trim();
  if (!q) return clearSearch(false);
  current = { q, cursor: null };
  showResults(true);
  setStatus('Searching…');
  $('#search-list').replaceChildren();
  $('#more-results-btn').hidden = true;
  await loadPage(q, null);
}

/** @param {string} q @param {string | null} cursor */
async function loadPage(q, cursor) {
  try {
    const page = await searchPage(q, cursor);
    if (current.q !== q) return; // a newer query meanwhile
    $('#search-list').append(...page.items.map(renderResult));
    current.cursor = page.nextCursor;
    $('#more-results-btn').hidden = !page.nextCursor;
    const count = $('#search-list').children.length;
    setStatus(count ? `${count}${page.nextCursor ? '+' : ''} result${count === 1 ? '' : 's'}` : 'No messages found.');
  } catch (err) {
    setStatus('');
    failed(err);
  }
}

/** Back to the chat list. @param {boolean} empty also empty the box */
function clearSearch(empty = true) {
  clearTimeout(timer);
  current = { q: '', cursor: null };
  if (empty) $('#search-input').value = '';
  $('#search-list').replaceChildren();
  setStatus('');
  showResults(false);
}

export function initSearch() {
  const input = $('#search-input');
  $('#search-form').addEventListener('submit', (/** @type {Event} */ e) => {
    e.preventDefault();
    clearTimeout(timer);
    runSearch();
  });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      clearSearch();
    }
  });
  $('#more-results-btn').addEventListener('click', () => current.cursor && loadPage(current.q, current.cursor));
}
