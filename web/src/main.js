// Start-up: texts, then the session (or the login screen), then the console: map, snapshot, live feed.
import 'leaflet/dist/leaflet.css';
import './app.css';
import { get, onUnauthorized, post, setToken, token } from './core/api.js';
import { on } from './core/bus.js';
import { startAlarms } from './core/alarm.js';
import { can } from './core/domain.js';
import { loadTexts, t } from './core/i18n.js';
import { setCategories, state } from './core/store.js';
import { startSync, stopSync } from './core/sync.js';
import { startTicker } from './core/ticker.js';
import { toastError, toastInfo } from './core/toast.js';
import { fitToMarkers, restyleStaleUnits, startLayers } from './map/layers.js';
import { createMap, loadBaseLayers } from './map/map.js';
import { callView } from './views/call.js';
import { cardView } from './views/card.js';
import { showLogin } from './views/login.js';
import { queueView } from './views/queue.js';
import { buildShell } from './views/shell.js';
import { supervisorView } from './views/supervisor.js';
import { unitsView } from './views/units.js';

const NOTICE_KEY = 'kuzet.notice';
let ending = false;

/** End the session: forget the token and start over from a clean page, with the reason shown after. */
function endSession(notice) {
  if (ending) return;
  ending = true;
  stopSync();
  setToken(null);
  if (notice) sessionStorage.setItem(NOTICE_KEY, notice);
  window.location.reload();
}

async function boot() {
  const root = document.getElementById('app');
  try {
    await loadTexts();
  } catch (error) {
    console.warn('texts not loaded', error);
  }
  startTicker();
  const notice = sessionStorage.getItem(NOTICE_KEY);
  if (notice) {
    sessionStorage.removeItem(NOTICE_KEY);
    toastInfo(notice);
  }
  let user = null;
  if (token()) {
    try {
      user = await get('/api/v1/auth/me', { quiet401: true });
    } catch {
      setToken(null);
    }
  }
  if (!user) user = (await showLogin(root)).user;
  state.user = user;
  onUnauthorized((error) => endSession(error.problem?.detail || t('login.session_ended')));
  await startConsole(root);
}

async function startConsole(root) {
  const shell = buildShell(root, {
    onLogout: async () => {
      try {
        await post('/api/v1/auth/logout', {}, { quiet401: true });
      } catch {
        // the session may have ended already
      }
      endSession(null);
    },
  });
  createMap(shell.mapEl);
  startLayers();

  const views = {
    call: can(state.user, 'createAppeal') ? callView() : null,
    queue: can(state.user, 'readIncidents') ? queueView() : null,
    units: unitsView(),
    supervisor: can(state.user, 'overdue') ? supervisorView() : null,
  };
  let lastList = views.queue ? 'queue' : 'units';
  const card = cardView({ onBack: () => shell.showView(lastList) });
  for (const [name, view] of Object.entries(views)) if (view) shell.views.set(name, view);
  shell.views.set('card', card);

  on('navigate', ({ view, hotkey }) => {
    if (!shell.views.has(view)) return;
    if (view !== 'call') lastList = view;
    shell.showView(view, { hotkey });
  });
  on('open-incident', (id) => {
    if (can(state.user, 'readIncidents')) shell.showView('card', id);
  });
  on('locale', () => {
    for (const view of shell.views.values()) view.relabel?.();
  });
  setInterval(restyleStaleUnits, 15000);
  startAlarms();

  const first = views.call && state.user.role === 'call_taker' ? 'call' : lastList;
  shell.showView(first, {});

  await Promise.all([
    get('/api/v1/categories').catch((error) => {
      toastError(error);
      return [];
    }),
    loadBaseLayers().catch(() => false),
  ]).then(([categories]) => setCategories(categories));
  try {
    await startSync(() => endSession(t('login.session_ended')));
  } catch (error) {
    toastError(error);
  }
  fitToMarkers(); // the floor's incidents and units; the whole road map when there are none
}

boot().catch((error) => {
  console.error(error);
  toastError(error);
});
