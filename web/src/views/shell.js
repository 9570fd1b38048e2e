// The console frame: top bar (name, clock, nav with hotkeys, language, user, live state, logout),
// the left work column with one view at a time, and the map on the right.
import { on, emit } from '../core/bus.js';
import { alarmCount, mute, mutedForMs } from '../core/alarm.js';
import { can } from '../core/domain.js';
import { h, setText } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { role, district } from '../core/labels.js';
import { state } from '../core/store.js';
import { formatDateTime, now } from '../core/format.js';
import { addShortcut, matches } from '../core/shortcuts.js';
import { langSwitch } from './langs.js';
import { fitTopbar } from './topbar-fit.js';
import { openMapWindow } from '../map/map-window.js';

const NAV = [
  { view: 'call', key: 'F2', text: 'nav.call', testid: 'nav-call', needs: 'createAppeal' },
  { view: 'queue', key: 'F3', text: 'nav.queue', testid: 'nav-queue', needs: 'readIncidents' },
  { view: 'units', key: 'F4', text: 'nav.units', testid: 'nav-units', needs: null },
  { view: 'supervisor', key: 'F6', text: 'nav.supervisor', testid: 'nav-supervisor', needs: 'overdue' },
  { view: 'analytics', key: 'F8', text: 'nav.analytics', testid: 'nav-analytics', needs: 'readStats' },
  { view: 'search', key: 'F7', text: 'nav.search', testid: 'nav-search', needs: 'readIncidents' },
  // No free F-key is left (F5 reloads, F10-F12 are the browser's): reached by a click.
  { view: 'alerts', key: null, text: 'nav.alerts', testid: 'nav-alerts', needs: 'issueAlerts' },
  { view: 'planning', key: null, text: 'nav.planning', testid: 'nav-planning', needs: 'readStats' },
];

/**
 * Build the frame in `root`. `views` maps a name to {el, show(arg), hide()}; the card is shown by name 'card'.
 * Returns {panel, column (the work column holding the panel), mapEl, showView, currentView}.
 */
export function buildShell(root, { onLogout }) {
  const navButtons = new Map();
  // Alarms: a count on the Queue tab, seen from every view, and a 60-second mute of their sound.
  const alarmBadge = h('span', { class: 'badge badge-alarm nav-alarms', testid: 'queue-alarm-count', hidden: true });
  const muteButton = h('button', { type: 'button', class: 'mute', testid: 'alarm-mute', hidden: true, onclick: () => mute() });
  const nav = h(
    'nav',
    { class: 'nav' },
    NAV.filter((item) => !item.needs || can(state.user, item.needs)).map((item) => {
      const button = h(
        'button',
        { type: 'button', class: item.key ? 'nav-item' : 'nav-item nav-no-key', testid: item.testid, 'data-t-title': item.text, onclick: () => emit('navigate', { view: item.view }) },
        h('span', { class: 'nav-label', 'data-t': item.text }),
        item.key ? h('kbd', null, item.key) : null,
      );
      navButtons.set(item.view, button);
      if (item.key) addShortcut({ id: `nav-${item.view}`, keys: [item.key], scope: 'keys.scope_everywhere', text: item.text, match: (e) => e.key === item.key });
      if (item.view === 'queue') button.append(alarmBadge);
      return button;
    }),
  );
  const clock = h('div', { class: 'clock', testid: 'clock' });
  const liveText = h('span', { class: 'live-text' });
  const live = h('div', { class: 'live', testid: 'live-status', dataset: { state: 'reconnecting' } }, h('span', { class: 'live-dot' }), liveText);
  const user = h('div', { class: 'user', testid: 'user' });
  const logout = h('button', { type: 'button', class: 'logout', testid: 'logout', 'data-t': 'nav.logout', onclick: onLogout });
  const bar = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, 'Kuzet', h('span', { class: 'brand-sub', 'data-t': 'app.subtitle' })),
    nav,
    h('div', { class: 'spacer' }),
    muteButton,
    h('button', { type: 'button', class: 'map-window-button', testid: 'map-window', 'data-t': 'map.window', 'data-t-title': 'map.window_hint', onclick: openMapWindow }),
    clock,
    live,
    langSwitch(),
    user,
    logout,
  );
  const panel = h('section', { class: 'panel', id: 'panel' });
  const mapEl = h('section', { class: 'map', id: 'map', testid: 'map' });
  const column = h('div', { class: 'work-column' }, panel); // the view, and below it the command line
  root.replaceChildren(bar, h('main', { class: 'workspace' }, column, mapEl));

  const renderUser = () => {
    const u = state.user;
    // Two short lines, so that the district's name (not its code) stays whole on a narrow screen.
    const where = `${role(u.role)}${u.district ? ` · ${district(u.district)}` : ''}`;
    user.replaceChildren(h('span', { class: 'user-name' }, u.full_name || u.username), h('span', { class: 'user-role' }, where));
    user.title = `${u.full_name || u.username} · ${where}`;
  };
  const renderLive = (value) => {
    live.dataset.state = value;
    setText(liveText, t(value === 'connected' ? 'live.connected' : 'live.reconnecting'));
  };
  let liveState = 'reconnecting';
  renderUser();
  renderLive(liveState);
  on('live', (value) => {
    liveState = value;
    renderLive(value);
  });
  on('locale', () => {
    renderUser();
    renderLive(liveState);
  });
  on('districts', renderUser); // the district's name, once the district map has brought the names
  const renderAlarms = () => {
    const count = alarmCount();
    alarmBadge.hidden = count === 0;
    setText(alarmBadge, String(count));
    const muted = Math.ceil(mutedForMs() / 1000);
    muteButton.hidden = count === 0 && muted === 0;
    muteButton.dataset.muted = String(muted > 0);
    setText(muteButton, muted > 0 ? t('alarm.muted', { sec: muted }) : t('alarm.mute'));
  };
  on('alarms', renderAlarms);
  on('tick', () => {
    setText(clock, formatDateTime(now()));
    renderAlarms();
  });
  applyTexts(root);
  fitTopbar(bar); // one line at 1366 px in every language, however many tabs

  let current = null;
  const views = new Map();
  const showView = (name, arg) => {
    const view = views.get(name);
    if (!view) return;
    if (current && current !== view) current.hide?.();
    for (const [viewName, button] of navButtons) button.classList.toggle('active', viewName === name);
    panel.replaceChildren(view.el);
    current = view;
    current.name = name;
    view.show?.(arg);
  };
  const currentView = () => current?.name ?? null;

  document.addEventListener('keydown', (event) => {
    const item = NAV.find((n) => matches(`nav-${n.view}`, event));
    if (item && navButtons.has(item.view)) {
      event.preventDefault();
      emit('navigate', { view: item.view, hotkey: true });
    }
  });

  return { panel, column, mapEl, views, showView, currentView };
}
