// The unit board: status and since when, district, the incident worked, the age of the last position.
import { post } from '../core/api.js';
import { emit, on } from '../core/bus.js';
import { can, UNIT_STATUSES } from '../core/domain.js';
import { h, setText, syncRows } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { district, unitStatus, unitType } from '../core/labels.js';
import { isStale, positionAgeS, state } from '../core/store.js';
import { formatDuration, now, parseTime } from '../core/format.js';
import { toastError } from '../core/toast.js';
import { panTo } from '../map/map.js';
import { matches } from '../core/shortcuts.js';

const HAND_SET = ['available', 'busy', 'out_of_service'];
const ORDER = new Map(UNIT_STATUSES.map((s, i) => [s, i]));

function compareUnits(a, b) {
  return Number(b.on_duty) - Number(a.on_duty) || ORDER.get(a.status) - ORDER.get(b.status) || a.call_sign.localeCompare(b.call_sign);
}

export function unitsView() {
  const rows = new Map();
  const list = h('div', { class: 'unit-list', testid: 'units', role: 'list' });
  const counts = h('div', { class: 'view-counts', testid: 'unit-counts' });
  const el = h('div', { class: 'view view-units' },
    h('div', { class: 'view-head' }, h('h2', { 'data-t': 'units.title' }), counts),
    h('div', { class: 'unit-head', 'aria-hidden': 'true' },
      h('span', { 'data-t': 'units.col_unit' }), h('span', { 'data-t': 'units.col_status' }),
      h('span', { 'data-t': 'units.col_incident' }), h('span', { 'data-t': 'units.col_position' })),
    list);
  let visible = false;
  let order = [];
  let expanded = null;

  const makeRow = (id) => {
    const cells = {
      callSign: h('b'), type: h('small'), status: h('span', { class: 'status' }), since: h('small', { class: 'since' }),
      incident: h('span', { class: 'u-incident' }), district: h('small'), age: h('span', { class: 'age', testid: 'position-age' }),
      actions: h('div', { class: 'unit-actions', hidden: true }),
    };
    const row = h('div', { class: 'unit-row', role: 'listitem', tabindex: 0, testid: 'unit-row', dataset: { unitId: id } },
      h('span', { class: 'u-cell' }, cells.callSign, cells.type),
      h('span', { class: 'u-cell' }, cells.status, cells.since),
      h('span', { class: 'u-cell' }, cells.incident, cells.district),
      cells.age,
      cells.actions);
    row.addEventListener('click', (event) => {
      if (event.target.closest('button')) return;
      toggle(id);
    });
    return { row, cells };
  };

  const renderAge = (entry, id) => {
    const position = state.positions.get(id);
    const age = positionAgeS(position);
    setText(entry.cells.age, age === null ? t('units.no_position') : formatDuration(age));
    const stale = isStale(position);
    entry.cells.age.classList.toggle('stale', stale);
    entry.row.classList.toggle('stale', stale);
    entry.cells.age.title = stale ? t('units.stale') : '';
  };

  const renderSince = (entry, unit) => {
    const since = parseTime(unit.status_since);
    setText(entry.cells.since, since === null ? '' : formatDuration((now() - since) / 1000));
  };

  const fillRow = (entry, unit) => {
    const { row, cells } = entry;
    row.dataset.status = unit.status;
    row.classList.toggle('off-duty', !unit.on_duty);
    setText(cells.callSign, unit.call_sign);
    setText(cells.type, unitType(unit.type));
    setText(cells.status, unitStatus(unit.status));
    cells.status.className = `status status-${unit.status}`;
    renderSince(entry, unit);
    const incidentId = state.unitIncident.get(unit.id);
    const incident = incidentId ? state.incidents.get(incidentId) : null;
    cells.incident.replaceChildren(incidentId
      ? h('button', { type: 'button', class: 'link', onclick: () => emit('open-incident', incidentId) }, incident?.number ?? `#${incidentId}`)
      : '—');
    setText(cells.district, district(unit.district));
    renderAge(entry, unit.id);
  };

  const renderActions = (entry, unit) => {
    const buttons = HAND_SET.filter((s) => s !== unit.status).map((status) =>
      h('button', { type: 'button', testid: `unit-set-${status}`, onclick: () => setStatus(unit, status) }, t(`unit_set.${status}`)));
    entry.cells.actions.replaceChildren(...buttons);
  };

  async function setStatus(unit, status) {
    try {
      const updated = await post(`/api/v1/units/${unit.id}/status`, { status });
      Object.assign(unit, updated);
      emit('units', new Set([unit.id]));
    } catch (error) {
      toastError(error);
    }
  }

  function toggle(id) {
    const position = state.positions.get(id);
    if (position) panTo(position.lat, position.lon, 15);
    if (!can(state.user, 'dispatch')) return;
    const previous = expanded;
    expanded = expanded === id ? null : id;
    if (previous !== null && rows.has(previous)) rows.get(previous).cells.actions.hidden = true;
    if (expanded !== null) {
      const entry = rows.get(id);
      renderActions(entry, state.units.get(id));
      entry.cells.actions.hidden = false;
    }
  }

  const renderCounts = () => {
    const byStatus = new Map();
    for (const unit of state.units.values()) if (unit.on_duty) byStatus.set(unit.status, (byStatus.get(unit.status) ?? 0) + 1);
    counts.replaceChildren(...UNIT_STATUSES.filter((s) => byStatus.has(s)).map((s) =>
      h('span', { class: `count status-${s}` }, `${unitStatus(s)}: ${byStatus.get(s)}`)));
  };

  const sync = (ids) => {
    syncRows(rows, state.units, ids, makeRow, (entry, unit) => {
      fillRow(entry, unit);
      if (expanded === unit.id) renderActions(entry, unit);
    });
    const sorted = [...state.units.values()].sort(compareUnits).map((u) => u.id);
    if (sorted.length !== order.length || sorted.some((id, i) => id !== order[i])) {
      list.replaceChildren(...sorted.map((id) => rows.get(id).row));
      order = sorted;
    }
    renderCounts();
  };

  list.addEventListener('keydown', (event) => {
    const row = event.target.closest('.unit-row');
    if (!row || event.target !== row) return;
    if (matches('list-open', event)) toggle(Number(row.dataset.unitId));
    else if (matches('list-move', event)) (event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling)?.focus();
    else return;
    event.preventDefault();
  });

  on('units', (ids) => sync(ids));
  on('snapshot', () => sync(null));
  on('incidents', () => {
    if (visible) sync(null);
  });
  on('focus-unit', (id) => {
    const entry = rows.get(id);
    if (visible && entry) {
      entry.row.scrollIntoView({ block: 'nearest' });
      entry.row.focus({ preventScroll: true });
    }
  });
  on('tick', () => {
    if (!visible) return;
    for (const [id, entry] of rows) {
      const unit = state.units.get(id);
      if (!unit) continue;
      renderSince(entry, unit);
      renderAge(entry, id);
    }
  });

  applyTexts(el);
  sync(null);

  return {
    el,
    show() {
      visible = true;
      sync(null);
    },
    hide() {
      visible = false;
    },
    relabel() {
      applyTexts(el);
      sync(null);
      if (expanded !== null && rows.has(expanded)) renderActions(rows.get(expanded), state.units.get(expanded));
    },
  };
}
