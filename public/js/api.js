// REST client. The session (access token, refresh token, user) lives in localStorage, shared by the
// tabs of this origin. The access token is refreshed silently a little before it expires; a 401
// triggers one refresh and one retry. Refresh tokens rotate, so a refresh runs under a Web Lock
// and first checks whether another tab already did it.

const STORAGE_KEY = 'chat.session';
const listeners = new Set();
let refreshTimer = null;
let inflight = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || (status ? `HTTP ${status}` : 'The server cannot be reached'));
    this.status = status;
    this.code = body?.code || (status ? `HTTP_${status}` : 'NETWORK');
    this.details = body?.details;
  }
  /** Worth retrying later: no answer, or the server is unwell. */
  get transient() {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export function getSession() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

function setSession(session) {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
  sessionChanged(session);
}

function sessionChanged(session) {
  scheduleRefresh();
  for (const fn of listeners) fn(session);
}

/** fn(session | null) after every change, from this tab or another one. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

window.addEventListener('storage', (e) => {
  if (e.key === STORAGE_KEY) sessionChanged(getSession());
});

/** Seconds since the epoch at which a JWT expires, or null. */
function expiry(token) {
  try {
    const payload = JSON.parse(window.atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp : null;
  } catch {
    return null;
  }
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const session = getSession();
  const exp = session && expiry(session.accessToken);
  if (!exp) return;
  const left = exp * 1000 - Date.now();
  // A minute early, or at 80% of a short lifetime.
  const delay = Math.max(1000, left - Math.min(60_000, left * 0.2));
  refreshTimer = setTimeout(() => refreshTokens(session.accessToken).catch(() => {}), Math.min(delay, 2 ** 31 - 1));
}

/**
 * Replaces the access token `stale` with a fresh one. Resolves with the session; rejects when the
 * server cannot be reached (the session is kept) or the refresh token is refused (logged out).
 */
export function refreshTokens(stale) {
  inflight ??= withLock(async () => {
    const session = getSession();
    if (!session) throw new ApiError(401, { code: 'UNAUTHORIZED', message: 'Logged out' });
    if (session.accessToken !== stale) return session; // another tab (or call) refreshed already
    let res;
    try {
      res = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
    } catch {
      throw new ApiError(0);
    }
    const body = await res.json().catch(() => null);
    if (res.status === 401) {
      const now = getSession(); // without Web Locks, another tab may have won the race
      if (now && now.refreshToken !== session.refreshToken) return now;
      setSession(null);
      throw new ApiError(401, body);
    }
    if (!res.ok) throw new ApiError(res.status, body);
    const next = { ...session, accessToken: body.accessToken, refreshToken: body.refreshToken };
    setSession(next);
    return next;
  }).finally(() => (inflight = null));
  return inflight;
}

function withLock(fn) {
  return navigator.locks ? navigator.locks.request('chat.refresh', fn) : fn();
}

/** fetch with the bearer token; after a 401, one refresh and one retry. */
export async function authedFetch(path, init = {}) {
  for (let attempt = 0; ; attempt++) {
    const session = getSession();
    if (!session) throw new ApiError(401, { code: 'UNAUTHORIZED', message: 'Logged out' });
    let res;
    try {
      res = await fetch(path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${session.accessToken}` } });
    } catch {
      throw new ApiError(0);
    }
    if (res.status === 401 && attempt === 0) {
      await refreshTokens(session.accessToken);
      continue;
    }
    return res;
  }
}

/** A JSON request with the bearer token: the parsed body, null for 204; ApiError otherwise. */
export async function api(method, path, body) {
  const init = { method };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await authedFetch(path, init);
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

async function authenticate(path, body) {
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new ApiError(0);
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  setSession({ accessToken: data.accessToken, refreshToken: data.refreshToken, user: data.user });
  return data.user;
}

export const login = (username, password) => authenticate('/api/auth/login', { username, password });
export const register = (username, password, displayName) =>
  authenticate('/api/auth/register', displayName ? { username, password, displayName } : { username, password });

export async function logout() {
  try {
    await api('POST', '/api/auth/logout');
  } catch {
    // the session ends here either way
  }
  setSession(null);
}

/** Uploads a file with XMLHttpRequest (for progress): { promise → Attachment, abort() }. */
export function upload(file, onProgress) {
  let xhr = null;
  const once = (token) =>
    new Promise((resolve, reject) => {
      xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/attachments');
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.responseType = 'json';
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => resolve(xhr);
      xhr.onerror = () => reject(new ApiError(0));
      xhr.onabort = () => reject(new ApiError(0, { code: 'ABORTED', message: 'Upload cancelled' }));
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
  const promise = (async () => {
    for (let attempt = 0; ; attempt++) {
      const session = getSession();
      if (!session) throw new ApiError(401, { code: 'UNAUTHORIZED', message: 'Logged out' });
      const res = await once(session.accessToken);
      if (res.status === 401 && attempt === 0) {
        await refreshTokens(session.accessToken);
        continue;
      }
      if (res.status < 200 || res.status >= 300) throw new ApiError(res.status, res.response);
      onProgress(1);
      return res.response;
    }
  })();
  return { promise, abort: () => xhr?.abort() };
}

/** An attachment's bytes, fetched with the bearer token (never a token in a URL). */
export async function fetchAttachment(attachment) {
  const res = await authedFetch(`/api/attachments/${encodeURIComponent(attachment.id)}`);
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res.blob();
}

/** Downloads an attachment (the bearer token rules out a plain link) and saves it as its filename. */
export async function download(attachment) {
  const url = URL.createObjectURL(await fetchAttachment(attachment));
  const a = document.createElement('a');
  a.href = url;
  a.download = attachment.filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

scheduleRefresh();
