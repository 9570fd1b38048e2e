// Start-up: texts, then the session (or the login screen), then the console: map, snapshot, live feed.
import 'leaflet/dist/leaflet.css';
import './app.css';
import { get, onUnauthorized, post, setToken, token } from './core/api.js';
import { emit, on } from './core/bus.js';
import { startAlarms } from './core/alarm.js';
import { can } from './core/domain.js';
import { loadTexts, t } from './core/i18n.js';
import { setCategories, state } from './core/store.js';
import { startSync, stopSync } from './core/sync.js';
import { startTicker } from './core/ticker.js';
import { toastError, toastInfo } from './core/toast.js';
import { fitToMarkers, restyleStaleUnits, startLayers } from './map/layers.js';
import { startAlertLayer } from './map/alert-layer.js';
import { startCameraLayer } from './map/camera-layer.js';
import { createMap, loadBaseLayers } from './map/map.js';
import { startControls } from './map/controls.js';
import { askOpenerToOpen, buildMapShell, isMapWindow, serveMapWindows, sessionFromOpener } from './map/map-window.js';
import { callView } from './views/call.js';
import { cardView } from './views/card.js';
import { commandLine } from './views/command-line.js';
import { showLogin } from './views/login.js';
import { queueView } from './views/queue.js';
import { searchView } from './views/search.js';
import { buildShell } from './views/shell.js';
import { shortcutSheet } from './views/shortcut-sheet.js';
import { alertsView } from './views/alerts.js';
import { analyticsView } from './views/analytics.js';
import { planningView } from './views/planning.js';
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
  const mapWindow = isMapWindow();
  if (mapWindow && !token()) setToken(await sessionFromOpener()); // its opener's session, when not copied
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
  await (mapWindow ? startMapWindow(root) : startConsole(root));
}

/** The map alone, for a second monitor: the same session, its own live feed; a clicked incident opens in the
 * console that opened the window. */
async function startMapWindow(root) {
  const { mapEl } = buildMapShell(root);
  createMap(mapEl);
  startLayers();
  startAlertLayer();
  startCameraLayer();
  startControls();
  on('open-incident', (id) => askOpenerToOpen(id));
  setInterval(restyleStaleUnits, 15000);
  const [categories] = await Promise.all([get('/api/v1/categories').catch(() => []), loadBaseLayers().catch(() => false)]);
  setCategories(categories);
  try {
    await startSync(() => endSession(t('login.session_ended')));
  } catch (error) {
    toastError(error);
  }
  fitToMarkers();
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
  startAlertLayer();
  startCameraLayer();
  startControls();
  serveMapWindows(token, (id) => emit('open-incident', id));

  const views = {
    call: can(state.user, 'createAppeal') ? callView() : null,
    queue: can(state.user, 'readIncidents') ? queueView() : null,
    units: unitsView(),
    supervisor: can(state.user, 'overdue') ? supervisorView() : null,
    analytics: can(state.user, 'readStats') ? analyticsView() : null,
    planning: can(state.user, 'readStats') ? planningView() : null,
    alerts: can(state.user, 'issueAlerts') ? alertsView() : null,
    search: can(state.user, 'readIncidents') ? searchView() : null,
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
  // F1's sheet of keys, and the command line under the work column (F9 or Ctrl+K).
  const sheet = shortcutSheet();
  document.body.append(sheet.el);
  if (can(state.user, 'readIncidents')) {
    const currentIncidentId = () => (shell.currentView() === 'card' ? card.currentId() : null);
    shell.column.append(commandLine({ currentIncidentId, openSheet: sheet.show }).el);
  }
  on('open-incident', (id) => {
    if (can(state.user, 'readIncidents')) shell.showView('card', id);
  });
  on('locale', () => {
    for (const view of shell.views.values()) view.relabel?.();
  });
  setInterval(restyleStaleUnits, 15000);
  startAlarms();

  const firstOf = { call_taker: views.call ? 'call' : null, analyst: views.analytics ? 'analytics' : null };
  const first = firstOf[state.user.role] ?? lastList;
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
