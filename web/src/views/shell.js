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
import { langSwitch } from './langs.js';

const NAV = [
  { view: 'call', key: 'F2', text: 'nav.call', testid: 'nav-call', needs: 'createAppeal' },
  { view: 'queue', key: 'F3', text: 'nav.queue', testid: 'nav-queue', needs: 'readIncidents' },
  { view: 'units', key: 'F4', text: 'nav.units', testid: 'nav-units', needs: null },
  { view: 'supervisor', key: 'F6', text: 'nav.supervisor', testid: 'nav-supervisor', needs: 'overdue' },
];

/**
 * Build the frame in `root`. `views` maps a name to {el, show(arg), hide()}; the card is shown by name 'card'.
 * Returns {panel, mapEl, showView, currentView}.
 */
export function buildShell(root, { onLogout }) {
  const navButtons = new Map();
  // Alarms: a count on the Queue tab, seen from every view, and a 60-second mute of their sound.
  const alarmBadge = h('span', { class: 'badge badge-alarm nav-alarms', testid: 'queue-alarm-count', hidden: true });
  const muteButton = h('button', { type: 'button', class: 'mute', testid: 'alarm-mute', hidden: true, onclick: () => mute(now()) });
  const nav = h(
    'nav',
    { class: 'nav' },
    NAV.filter((item) => !item.needs || can(state.user, item.needs)).map((item) => {
      const button = h(
        'button',
        { type: 'button', class: 'nav-item', testid: item.testid, onclick: () => emit('navigate', { view: item.view }) },
        h('span', { 'data-t': item.text }),
        h('kbd', null, item.key),
      );
      navButtons.set(item.view, button);
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
    clock,
    live,
    langSwitch(),
    user,
    logout,
  );
  const panel = h('section', { class: 'panel', id: 'panel' });
  const mapEl = h('section', { class: 'map', id: 'map', testid: 'map' });
  root.replaceChildren(bar, h('main', { class: 'workspace' }, panel, mapEl));

  const renderUser = () => {
    const u = state.user;
    setText(user, `${u.full_name || u.username} · ${role(u.role)}${u.district ? ` · ${district(u.district)}` : ''}`);
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
  const renderAlarms = () => {
    const count = alarmCount();
    alarmBadge.hidden = count === 0;
    setText(alarmBadge, String(count));
    const muted = Math.ceil(mutedForMs(now()) / 1000);
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
    const item = NAV.find((n) => n.key === event.key);
    if (item && navButtons.has(item.view)) {
      event.preventDefault();
      emit('navigate', { view: item.view, hotkey: true });
    }
  });

  return { panel, mapEl, views, showView, currentView };
}
