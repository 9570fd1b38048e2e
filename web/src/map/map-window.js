// The map window: the console's map alone, for a second monitor, in the same session without a new login.
//
// The console opens it with window.open on the same origin, which gives the new window a copy of the
// console's sessionStorage, token included. Where a browser does not copy it, the map window asks the
// console that opened it (postMessage, same origin only, to a window it opened). The token never goes into a
// URL or into localStorage. The map window runs its own live feed, as the console does.
import { on } from '../core/bus.js';
import { h, setText } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { role } from '../core/labels.js';
import { formatDateTime, now } from '../core/format.js';
import { state } from '../core/store.js';
import { toastInfo } from '../core/toast.js';
import { langSwitch } from '../views/langs.js';

const MAP_VIEW = 'map';
const WINDOW_NAME = 'kuzet-map';
const REQUEST = 'kuzet-session-request';
const ANSWER = 'kuzet-session';
const OPEN_INCIDENT = 'kuzet-open-incident';
const ASK_TIMEOUT_MS = 2000;
const opened = new Set(); // map windows this console opened

export function isMapWindow() {
  return new URLSearchParams(window.location.search).get('view') === MAP_VIEW;
}

/** Open (or bring forward) the map window. */
export function openMapWindow() {
  const url = `${window.location.pathname}?view=${MAP_VIEW}`;
  const child = window.open(url, WINDOW_NAME, 'popup,width=1400,height=900');
  if (!child) {
    toastInfo(t('map.window_blocked'));
    return null;
  }
  opened.add(child);
  child.focus();
  return child;
}

/**
 * In the console: answer the map windows it opened (their session, when their browser did not copy it)
 * and open the incidents they are asked for. `token()` reads the session; `openIncident(id)` shows a card.
 */
export function serveMapWindows(token, openIncident) {
  window.addEventListener('message', (event) => {
    if (event.origin !== window.location.origin || !opened.has(event.source)) return;
    if (event.data?.type === REQUEST) {
      event.source.postMessage({ type: ANSWER, token: token() }, window.location.origin);
    } else if (event.data?.type === OPEN_INCIDENT && Number.isInteger(event.data.id)) {
      window.focus();
      openIncident(event.data.id);
    }
  });
}

/** In the map window without a session of its own: ask the console that opened it (null if none answers). */
export function sessionFromOpener() {
  const opener = window.opener;
  if (!opener) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(null), ASK_TIMEOUT_MS);
    const listen = (event) => {
      if (event.origin !== window.location.origin || event.source !== opener || event.data?.type !== ANSWER) return;
      finish(typeof event.data.token === 'string' ? event.data.token : null);
    };
    function finish(value) {
      clearTimeout(timer);
      window.removeEventListener('message', listen);
      resolve(value);
    }
    window.addEventListener('message', listen);
    opener.postMessage({ type: REQUEST }, window.location.origin);
  });
}

/** In the map window: a click on an incident opens its card in the console that opened the window. */
export function askOpenerToOpen(id) {
  window.opener?.postMessage({ type: OPEN_INCIDENT, id }, window.location.origin);
}

/** The map window's frame: a slim bar (name, clock, live state, language, user) over the whole map. */
export function buildMapShell(root) {
  const clock = h('div', { class: 'clock', testid: 'clock' });
  const liveText = h('span', { class: 'live-text' });
  const live = h('div', { class: 'live', testid: 'live-status', dataset: { state: 'reconnecting' } }, h('span', { class: 'live-dot' }), liveText);
  const user = h('div', { class: 'user', testid: 'user' });
  const bar = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, 'Kuzet', h('span', { class: 'brand-sub', 'data-t': 'map.window_title' })),
    h('div', { class: 'spacer' }),
    clock,
    live,
    langSwitch(),
    user,
  );
  const mapEl = h('section', { class: 'map map-only', id: 'map', testid: 'map' });
  root.replaceChildren(bar, h('main', { class: 'workspace workspace-map-only' }, mapEl));
  document.body.classList.add('map-window');
  let liveState = 'reconnecting';
  const render = () => {
    const u = state.user;
    setText(user, `${u.full_name || u.username} · ${role(u.role)}`);
    live.dataset.state = liveState;
    setText(liveText, t(liveState === 'connected' ? 'live.connected' : 'live.reconnecting'));
    document.title = `${t('map.window_title')} — Kuzet`;
  };
  on('live', (value) => {
    liveState = value;
    render();
  });
  on('locale', render);
  on('tick', () => setText(clock, formatDateTime(now())));
  render();
  applyTexts(root);
  return { mapEl };
}
