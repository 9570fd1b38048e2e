// The live feed: GET /api/v1/live?after=<seq> read as text/event-stream through fetch() (EventSource cannot
// send the Bearer header). Reconnects with back-off from the last seq received, so nothing is missed.
import { authHeaders } from './api.js';
import { emit } from './bus.js';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;
const SILENCE_MS = 45000; // no byte (not even a ping) for this long: the connection is dead

/**
 * Run the feed until stop() is called.
 * `prepare()` is awaited whenever the console has no seq: it must return the seq to read after, with the
 * snapshot loaded at or after that seq (startup, and after a `reset`).
 * `onEvent(kind, data)` gets each message; `onUnauthorized()` ends the session.
 */
export function startLive({ initialSeq = null, prepare, onEvent, onUnauthorized }) {
  let seq = initialSeq;
  let stopped = false;
  let controller = null;
  let delay = FIRST_DELAY_MS;
  let silenceTimer = null;

  const setState = (value) => emit('live', value);

  const armSilence = () => {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => controller?.abort(), SILENCE_MS);
  };

  const dispatch = (message) => {
    if (message.id !== undefined && /^\d+$/.test(message.id)) seq = Number(message.id);
    if (message.event === 'reset') {
      seq = null;
      controller?.abort();
      return;
    }
    if (message.event === 'session_ended') {
      // Logged out elsewhere, timed out or locked: the next request would be refused anyway.
      stopped = true;
      controller?.abort();
      onUnauthorized();
      return;
    }
    let data = null;
    try {
      data = message.data ? JSON.parse(message.data) : null;
    } catch {
      return;
    }
    onEvent(message.event || 'message', data);
  };

  async function readStream(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let message = {};
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      armSilence();
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1));
        if (line === '') {
          if (message.data !== undefined || message.event) dispatch(message);
          message = {};
          if (seq === null) return;
          continue;
        }
        if (line.startsWith(':')) continue; // heartbeat
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`;
        else if (field === 'event') message.event = value;
        else if (field === 'id') message.id = value;
      }
    }
  }

  async function connectOnce() {
    if (seq === null) seq = await prepare();
    controller = new AbortController();
    const response = await fetch(`/api/v1/live?after=${seq}`, {
      headers: { ...authHeaders(), Accept: 'text/event-stream' },
      signal: controller.signal,
      cache: 'no-store',
    });
    if (response.status === 401) {
      stopped = true;
      onUnauthorized();
      return;
    }
    if (!response.ok || !response.body) throw new Error(`live: HTTP ${response.status}`);
    setState('connected');
    delay = FIRST_DELAY_MS;
    armSilence();
    await readStream(response);
  }

  (async () => {
    while (!stopped) {
      try {
        await connectOnce();
      } catch (error) {
        if (stopped) break;
        if (error?.name !== 'AbortError') console.debug('live feed', error?.message ?? error);
      }
      clearTimeout(silenceTimer);
      if (stopped) break;
      setState('reconnecting');
      if (seq === null && delay === FIRST_DELAY_MS) {
        delay = FIRST_DELAY_MS * 2; // a reset: catch up at once
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  })();

  return {
    stop() {
      stopped = true;
      clearTimeout(silenceTimer);
      controller?.abort();
    },
  };
}
