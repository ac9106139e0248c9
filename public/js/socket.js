// The socket.io connection: the current access token on every (re)connect, a token refresh when the
// server answers `unauthorized`, acknowledgements as promises. socket.io reconnects by itself.
import { ApiError, getSession, refreshTokens } from './api.js';

const CLIENT_URL = '/vendor/socket.io/socket.io.esm.min.js';

/**
 * Connects and calls handlers[event](payload) for the server's events, and
 * onStatus('connecting' | 'online' | 'offline' | 'unavailable', { reconnected }).
 * Resolves with { call, emit, connected(), close() } (or null when socket.io is unavailable).
 */
export async function connectSocket(handlers, onStatus) {
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
  let authFailures = 0;

  socket.on('connect', () => {
    authFailures = 0;
    onStatus('online', { reconnected: everConnected });
    everConnected = true;
  });
  socket.on('disconnect', (reason) => {
    onStatus('offline');
    // The server closed this socket (e.g. session ended): socket.io does not retry by itself.
    if (reason === 'io server disconnect') retryWithFreshToken();
  });
  socket.on('connect_error', (err) => {
    onStatus('offline');
    if (err.message === 'unauthorized') retryWithFreshToken();
  });
  for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);

  // A refused token: refresh it (which logs out when the session is over) and connect again.
  async function retryWithFreshToken() {
    authFailures += 1;
    if (authFailures > 3) return;
    try {
      await refreshTokens(getSession()?.accessToken);
      socket.connect();
    } catch (err) {
      if (err instanceof ApiError && err.transient) setTimeout(() => socket.connect(), 3000);
    }
  }

  return {
    connected: () => socket.connected,
    /** Emits with an acknowledgement: resolves with `data`, rejects with an ApiError. */
    call(event, payload, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        socket.timeout(timeoutMs).emit(event, payload, (err, res) => {
          if (err) reject(new ApiError(0, { code: 'TIMEOUT', message: 'No answer from the server' }));
          else if (res?.ok) resolve(res.data);
          else reject(new ApiError(res?.error?.statusCode ?? 0, res?.error));
        });
      });
    },
    /** Fire and forget (typing): dropped while disconnected rather than buffered. */
    emit(event, payload) {
      if (socket.connected) socket.emit(event, payload, () => {});
    },
    close() {
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
