// The queue: open incidents by priority, then waiting time; rows are updated in place, timers tick each second.
import { alarmCount, alarmOfId } from '../core/alarm.js';
import { emit, on } from '../core/bus.js';
import { compareIncidents, OPEN_STATUSES, WAITING_STATUSES } from '../core/domain.js';
import { h, setText, syncRows } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { categoryName, district, incidentStatus, place } from '../core/labels.js';
import { state } from '../core/store.js';
import { formatTime } from '../core/format.js';
import { renderTimer } from './timer.js';
import { matches } from '../core/shortcuts.js';

export function queueView() {
  const rows = new Map(); // id → {row, cells}
  const list = h('div', { class: 'queue-list', testid: 'queue', role: 'list' });
  const counts = h('div', { class: 'view-counts', testid: 'queue-counts' });
  const el = h(
    'div',
    { class: 'view view-queue' },
    h('div', { class: 'view-head' }, h('h2', { 'data-t': 'queue.title' }), counts),
    h(
      'div',
      { class: 'queue-head', 'aria-hidden': 'true' },
      h('span', { 'data-t': 'queue.col_priority' }),
      h('span', { 'data-t': 'queue.col_number' }),
      h('span', { 'data-t': 'queue.col_what' }),
      h('span', { 'data-t': 'queue.col_status' }),
      h('span', { 'data-t': 'queue.col_timer' }),
    ),
    list,
  );
  let visible = false;
  let order = [];
  let lastOpened = null;

  const makeRow = (id) => {
    const cells = {
      prio: h('span', { class: 'prio' }),
      number: h('span', { class: 'q-number' }),
      time: h('small', { class: 'q-time' }),
      what: h('span', { class: 'q-what' }),
      where: h('small', { class: 'q-where' }),
      noPlace: h('span', { class: 'badge badge-alarm', testid: 'queue-no-place', hidden: true }),
      status: h('span', { class: 'status' }),
      district: h('small', { class: 'q-district' }),
      timer: h('span', { class: 'timer', testid: 'queue-timer' }),
    };
    const row = h(
      'div',
      {
        class: 'queue-row',
        role: 'listitem',
        tabindex: 0,
        testid: 'queue-row',
        dataset: { incidentId: id },
        onclick: () => emit('open-incident', id),
      },
      cells.prio,
      h('span', { class: 'q-cell' }, cells.number, cells.time),
      h('span', { class: 'q-cell' }, h('span', null, cells.what, cells.noPlace), cells.where),
      h('span', { class: 'q-cell' }, cells.status, cells.district),
      cells.timer,
    );
    return { row, cells };
  };

  const fillRow = (entry, incident) => {
    const { row, cells } = entry;
    setText(cells.prio, t('priority.short', { n: incident.priority }));
    cells.prio.className = `prio prio-${incident.priority}`;
    setText(cells.number, incident.number);
    setText(cells.time, formatTime(incident.receivedMs));
    setText(cells.what, categoryName(incident.category_code));
    setText(cells.where, place(incident));
    setText(cells.status, incidentStatus(incident.status));
    cells.status.className = `status status-${incident.status}`;
    setText(cells.district, district(incident.district));
    row.dataset.status = incident.status;
    row.classList.toggle('waiting', WAITING_STATUSES.has(incident.status));
    const placeless = incident.lat === null && OPEN_STATUSES.has(incident.status);
    row.classList.toggle('no-place', placeless);
    cells.noPlace.hidden = !placeless;
    setText(cells.noPlace, placeless ? t('queue.no_place') : '');
    markAlarm(row, incident.id);
    renderTimer(cells.timer, incident);
  };

  const markAlarm = (row, id) => {
    const alarm = alarmOfId(id);
    row.classList.toggle('alarm', alarm !== null);
    if (alarm) row.dataset.alarm = alarm;
    else delete row.dataset.alarm;
  };

  const renderCounts = () => {
    let waiting = 0;
    for (const incident of state.incidents.values()) if (WAITING_STATUSES.has(incident.status)) waiting += 1;
    setText(counts, t('queue.counts', { open: state.incidents.size, waiting }));
  };

  const sync = (ids) => {
    syncRows(rows, state.incidents, ids, makeRow, fillRow);
    const sorted = [...state.incidents.values()].sort(compareIncidents).map((incident) => incident.id);
    if (sorted.length !== order.length || sorted.some((id, i) => id !== order[i])) {
      list.replaceChildren(...sorted.map((id) => rows.get(id).row));
      order = sorted;
    }
    if (!sorted.length) list.replaceChildren(h('div', { class: 'empty', 'data-t': 'queue.empty' }));
    applyTexts(list);
    renderCounts();
  };

  list.addEventListener('keydown', (event) => {
    const row = event.target.closest('.queue-row');
    if (!row) return;
    if (matches('list-open', event)) emit('open-incident', Number(row.dataset.incidentId));
    else if (matches('list-move', event)) (event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling)?.focus();
    else return;
    event.preventDefault();
  });

  on('open-incident', (id) => {
    lastOpened = id;
  });
  on('incidents', (ids) => sync(ids));
  on('snapshot', () => sync(null));
  setInterval(() => list.classList.toggle('alarm-flash', alarmCount() > 0 && !list.classList.contains('alarm-flash')), 500);
  on('alarms', () => {
    for (const [id, entry] of rows) markAlarm(entry.row, id);
  });
  on('tick', () => {
    if (!visible) return;
    for (const [id, entry] of rows) {
      const incident = state.incidents.get(id);
      if (incident) renderTimer(entry.cells.timer, incident);
    }
  });

  applyTexts(el);
  sync(null);

  return {
    el,
    show() {
      visible = true;
      if (!el.contains(document.activeElement)) (rows.get(lastOpened)?.row ?? list.querySelector('.queue-row'))?.focus();
    },
    hide() {
      visible = false;
    },
    relabel() {
      applyTexts(el);
      sync(null);
    },
  };
}
