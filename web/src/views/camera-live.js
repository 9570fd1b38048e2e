// A camera's current picture in the card, through Kuzet's proxy (never from the camera's own address): the MJPEG
// stream of GET /api/v1/cameras/{id}/live?incident=… read with fetch (an <img src> cannot carry the session's
// bearer token) and each JPEG part shown as a blob; a camera with only a snapshot address is asked for its
// JPEG once a second instead. The server audits every opening. One viewer per card: it survives the card's
// re-renders (the same element is put back), and stops when the card closes or another camera is opened.
import { authHeaders } from '../core/api.js';
import { h, setText } from '../core/dom.js';
import { t } from '../core/i18n.js';

const SNAPSHOT_MS = 1000;
const REOPEN_MS = 1000; // a stream the server ended (its time cap) is opened again while the viewer is open
const MAX_BUFFER = 16 * 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function indexOf(bytes, pattern, from = 0) {
  const first = pattern[0];
  const last = bytes.length - pattern.length;
  for (let i = from; i <= last; i += 1) {
    if (bytes[i] !== first) continue;
    let j = 1;
    while (j < pattern.length && bytes[i + j] === pattern[j]) j += 1;
    if (j === pattern.length) return i;
  }
  return -1;
}

function concat(a, b) {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/** The multipart boundary of a Content-Type (null when it has none). */
function boundaryOf(contentType) {
  const found = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  return found ? found[1].replace(/^--/, '') : null;
}

/**
 * Split a multipart/x-mixed-replace body into its parts as they arrive: `push(chunk)` returns the complete
 * parts' bodies. A part's length is its Content-Length when given, else it runs to the next boundary.
 */
export function multipartReader(boundary) {
  const marker = encoder.encode(`--${boundary}`);
  const blank = encoder.encode('\r\n\r\n');
  let buffer = new Uint8Array(0);
  return {
    push(chunk) {
      buffer = concat(buffer, chunk);
      const parts = [];
      for (;;) {
        const start = indexOf(buffer, marker);
        if (start < 0) break;
        const headEnd = indexOf(buffer, blank, start + marker.length);
        if (headEnd < 0) break;
        const head = decoder.decode(buffer.subarray(start + marker.length, headEnd));
        const length = /content-length:\s*(\d+)/i.exec(head);
        const bodyStart = headEnd + blank.length;
        let bodyEnd;
        if (length) {
          bodyEnd = bodyStart + Number(length[1]);
          if (buffer.length < bodyEnd) break;
        } else {
          const next = indexOf(buffer, marker, bodyStart);
          if (next < 0) break;
          bodyEnd = next >= 2 && buffer[next - 2] === 13 && buffer[next - 1] === 10 ? next - 2 : next;
        }
        parts.push(buffer.slice(bodyStart, bodyEnd));
        buffer = buffer.slice(bodyEnd);
      }
      if (buffer.length > MAX_BUFFER) buffer = new Uint8Array(0); // a broken stream: start over at its next part
      return parts;
    },
  };
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

export function cameraViewer() {
  const picture = h('img', { class: 'camera-picture', testid: 'camera-picture', alt: '' });
  const title = h('b', { class: 'camera-live-title', testid: 'camera-live-title' });
  const status = h('small', { class: 'camera-live-status', testid: 'camera-live-status' });
  const closeButton = h('button', { type: 'button', class: 'link', testid: 'camera-live-close', onclick: () => close() });
  const el = h('div', { class: 'camera-live', testid: 'camera-live', hidden: true },
    h('div', { class: 'camera-live-head' }, title, ' ', status, ' ', closeButton),
    picture);
  let session = 0; // bumped by every open and close: a late answer of an older one is dropped
  let controller = null;
  let timer = null;
  let shownUrl = null;
  let cameraId = null;
  let frames = 0;
  let said = null; // the status shown, as a key and its parameters (to say it again in another language)

  const show = (bytes) => {
    const url = URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' }));
    const previous = shownUrl;
    shownUrl = url;
    picture.src = url;
    if (previous) setTimeout(() => URL.revokeObjectURL(previous), 2000);
    frames += 1;
    el.dataset.frames = String(frames);
  };

  const say = (key, params) => {
    said = { key, params };
    el.dataset.state = key;
    setText(status, t(`cameras.live_${key}`, params));
  };

  /** The viewer's own words in the chosen language (a problem's text stays as the server worded it). */
  const relabel = () => {
    setText(closeButton, t('cameras.live_close'));
    if (said && el.dataset.state === said.key) setText(status, t(`cameras.live_${said.key}`, said.params));
  };

  const fail = (mine, text) => {
    if (mine !== session) return;
    el.dataset.state = 'failed';
    setText(status, text);
  };

  const request = (path, mine) => {
    const own = new AbortController();
    controller = own;
    const headers = { ...authHeaders(), Accept: 'multipart/x-mixed-replace, image/jpeg, application/problem+json' };
    return fetch(path, { headers, signal: own.signal, cache: 'no-store' }).then((response) => {
      if (mine !== session) {
        own.abort(); // opened or closed again meanwhile: this answer is nobody's
        return null;
      }
      return response;
    });
  };

  const pollSnapshot = async (mine, incidentId) => {
    if (mine !== session) return;
    try {
      const response = await request(`/api/v1/cameras/${encodeURIComponent(cameraId)}/snapshot?incident=${incidentId}`, mine);
      if (!response) return;
      if (!response.ok) {
        fail(mine, await problemText(response));
        return;
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (mine !== session) return;
      show(bytes);
      say('snapshot');
    } catch (error) {
      if (error.name === 'AbortError') return;
      fail(mine, t('error.network'));
      return;
    }
    timer = setTimeout(() => pollSnapshot(mine, incidentId), SNAPSHOT_MS);
  };

  const stream = async (mine, incidentId) => {
    try {
      const response = await request(`/api/v1/cameras/${encodeURIComponent(cameraId)}/live?incident=${incidentId}`, mine);
      if (!response) return;
      if (response.status === 409) {
        pollSnapshot(mine, incidentId); // no stream the proxy can pass on: the snapshot, once a second
        return;
      }
      const boundary = boundaryOf(response.headers.get('Content-Type'));
      if (!response.ok || !boundary) {
        fail(mine, response.ok ? t('cameras.live_bad_stream') : await problemText(response));
        return;
      }
      say('streaming');
      const parts = multipartReader(boundary);
      const reader = response.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (mine !== session) return;
        if (done) break;
        const found = parts.push(value);
        if (found.length) show(found[found.length - 1]); // behind: only the newest picture matters
      }
      say('reopening');
      timer = setTimeout(() => stream(mine, incidentId), REOPEN_MS);
    } catch (error) {
      if (error.name !== 'AbortError') fail(mine, t('error.network'));
    }
  };

  function stop() {
    session += 1;
    controller?.abort();
    controller = null;
    clearTimeout(timer);
  }

  function close() {
    stop();
    cameraId = null;
    el.hidden = true;
    delete el.dataset.cameraId;
    picture.removeAttribute('src');
    if (shownUrl) URL.revokeObjectURL(shownUrl);
    shownUrl = null;
  }

  function open(id, incidentId) {
    stop();
    cameraId = id;
    frames = 0;
    el.hidden = false;
    el.dataset.cameraId = id;
    el.dataset.frames = '0';
    setText(title, id);
    say('opening');
    relabel();
    stream(session, incidentId);
  }

  return { el, open, close, relabel, cameraId: () => cameraId };
}
