// @ts-check
// The socket.io connection: the current access token on every (re)connect, a token refresh when the
// server answers `unauthorized`, acknowledgements as promises. socket.io reconnects by itself.
import { ApiError, getSession, refreshTokens } from './api.js';

/** @typedef {import('./wire.js').ServerEventHandlers} ServerEventHandlers */
/** @typedef {import('./wire.js').ConnectionStatus} ConnectionStatus */
/** @typedef {import('./wire.js').ClientSocket} ClientSocket */

const CLIENT_URL = '/vendor/socket.io/socket.io.esm.min.js';

/**
 * Connects and calls handlers[event](payload) for the server's events, and onStatus on every change
 * of the connection.
 * @param {ServerEventHandlers} handlers
 * @param {(status: ConnectionStatus, info?: { reconnected: boolean }) => void} onStatus
 * @returns {Promise<ClientSocket | null>} null when socket.io's client is unavailable
 */
export async function connectSocket(handlers, onStatus) {
  /** @type {typeof import('socket.io-client').io} */
  let io;
  try {
    ({ io } = await import(CLIENT_URL));
  } catch {
    onStatus('unavailable');
    return null;
  }
  const socket = io({
    auth: (cb) => cb({ token: getSession()?.accessToken }),
    reconnectionDelayMax: 5000,
  });
  let everConnected = false;
  let closed = false;
  let attempts = 0;

  socket.on('connect', () => {
    attempts = 0;
    onStatus('online', { reconnected: everConnected });
    everConnected = true;
  });
  socket.on('disconnect', (reason) => {
    onStatus('offline');
    // The server closed this socket (e.g. its session logged out): socket.io does not retry.
    if (reason === 'io server disconnect') retryWithFreshToken();
  });
  socket.on('connect_error', (err) => {
    onStatus('offline');
    if (socket.active) return; // unreachable server: socket.io retries by itself
    // Refused by the server's middleware (`unauthorized`, `unavailable`): socket.io gives up.
    if (err.message === 'unauthorized') retryWithFreshToken();
    else retryLater();
  });
  for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);

  function retryLater() {
    attempts += 1;
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempts - 1, 5)) * (0.5 + Math.random() / 2);
    setTimeout(() => !closed && !socket.connected && socket.connect(), delay);
  }

  // A refused token: refresh it (which logs out when the session is over), then connect again.
  async function retryWithFreshToken() {
    try {
      await refreshTokens(getSession()?.accessToken);
    } catch (err) {
      if (!(err instanceof ApiError && err.transient)) return; // logged out
    }
    retryLater();
  }

  /** @type {ClientSocket} */
  const client = {
    connected: () => socket.connected,
    call(event, payload, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        socket.timeout(timeoutMs).emit(event, payload, (/** @type {Error | null} */ err, /** @type {any} */ res) => {
          if (err) reject(new ApiError(0, { code: 'TIMEOUT', message: 'No answer from the server' }));
          else if (res?.ok) resolve(res.data);
          else reject(new ApiError(res?.error?.statusCode ?? 0, res?.error));
        });
      });
    },
    emit(event, payload) {
      if (socket.connected) socket.emit(event, payload, () => {});
    },
    close() {
      closed = true;
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
  return client;
}
