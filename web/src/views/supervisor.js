// The supervisor's view: incidents past their timers, the agency links' health, the silent cameras, counts by
// status and by district, and (for the statistics roles) the placement plan of the next cameras.
import { get } from '../core/api.js';
import { emit, on } from '../core/bus.js';
import { can, OPEN_STATUSES, UNIT_STATUSES, WAITING_STATUSES } from '../core/domain.js';
import { debounce, h, setText } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { breach, categoryName, district, incidentStatus, place, unitStatus } from '../core/labels.js';
import { state } from '../core/store.js';
import { formatDuration, now } from '../core/format.js';
import { reportButtons } from './reports.js';
import { agencyLinksPanel } from './agency-links.js';
import { cameraHealthPanel } from './camera-health.js';
import { placementForm } from './placement-form.js';

const REFRESH_MS = 10000;

export function supervisorView() {
  const overdueList = h('ul', { class: 'overdue', testid: 'supervisor-overdue' });
  const counts = h('div', { class: 'counts', testid: 'supervisor-counts' });
  const links = agencyLinksPanel();
  const cameras = cameraHealthPanel();
  const placement = can(state.user, 'readStats') ? placementForm() : null;
  const el = h('div', { class: 'view view-supervisor' },
    h('div', { class: 'view-head' }, h('h2', { 'data-t': 'supervisor.title' })),
    h('div', { class: 'section-title', 'data-t': 'supervisor.overdue' }),
    overdueList,
    h('div', { class: 'section-title', 'data-t': 'links.title' }),
    links.el,
    h('div', { class: 'section-title', 'data-t': 'cameras.health_title' }),
    cameras.el,
    h('div', { class: 'section-title', 'data-t': 'supervisor.counts' }),
    counts,
    ...(can(state.user, 'readStats')
      ? [h('div', { class: 'section-title', 'data-t': 'reports.title' }), reportButtons()]
      : []),
    ...(placement ? [h('div', { class: 'section-title', 'data-t': 'placement.title' }), placement.el] : []));
  let visible = false;
  let overdue = [];
  let fetchedAt = 0;
  let timer = null;
  const waitedCells = [];

  const renderOverdue = () => {
    waitedCells.length = 0;
    if (!overdue.length) {
      overdueList.replaceChildren(h('li', { class: 'empty' }, t('supervisor.none_overdue')));
      return;
    }
    overdueList.replaceChildren(...overdue.map((item) => {
      const incident = item.incident;
      const waited = h('span', { class: 'timer timer-over' });
      waitedCells.push([waited, item]);
      return h('li', { class: 'overdue-row', testid: 'overdue-row', dataset: { incidentId: incident.id, breach: item.breach }, onclick: () => emit('open-incident', incident.id) },
        h('span', { class: `prio prio-${incident.priority}` }, t('priority.short', { n: incident.priority })),
        h('span', { class: 'q-cell' }, h('b', null, incident.number), h('small', null, incidentStatus(incident.status))),
        h('span', { class: 'q-cell' }, categoryName(incident.category_code), h('small', null, place(incident))),
        h('span', { class: 'q-cell' }, breach(item.breach), h('small', null, t('supervisor.threshold', { time: formatDuration(item.threshold_seconds) }))),
        waited);
    }));
    tickOverdue();
  };

  const tickOverdue = () => {
    const extra = (now() - fetchedAt) / 1000;
    for (const [cell, item] of waitedCells) setText(cell, formatDuration(item.waited_seconds + extra));
  };

  const loadOverdue = async () => {
    try {
      overdue = await get('/api/v1/incidents/overdue');
      fetchedAt = now();
      renderOverdue();
    } catch (error) {
      console.debug('overdue', error?.message);
    }
  };
  const loadSoon = debounce(loadOverdue, 1000);

  const countTable = (titleKey, columns, rows) => h('table', { class: 'count-table' },
    h('caption', null, t(titleKey)),
    h('thead', null, h('tr', null, h('th'), columns.map((c) => h('th', null, c.label)))),
    h('tbody', null, rows.map((r) => h('tr', null, h('th', null, r.label), columns.map((c) => h('td', null, String(r.values[c.key] ?? 0)))))));

  const renderCounts = () => {
    const incidentsByStatus = {};
    const perDistrict = new Map();
    const bucket = (code) => {
      if (!perDistrict.has(code)) perDistrict.set(code, { open: 0, waiting: 0, units: 0, available: 0 });
      return perDistrict.get(code);
    };
    for (const incident of state.incidents.values()) {
      incidentsByStatus[incident.status] = (incidentsByStatus[incident.status] ?? 0) + 1;
      const b = bucket(incident.district);
      b.open += 1;
      if (WAITING_STATUSES.has(incident.status)) b.waiting += 1;
    }
    const unitsByStatus = {};
    for (const unit of state.units.values()) {
      if (!unit.on_duty) continue;
      unitsByStatus[unit.status] = (unitsByStatus[unit.status] ?? 0) + 1;
      const b = bucket(unit.district);
      b.units += 1;
      if (unit.status === 'available') b.available += 1;
    }
    const byStatus = h('div', { class: 'count-chips' },
      h('div', null, h('b', null, t('supervisor.incidents')), [...OPEN_STATUSES].map((s) =>
        h('span', { class: `count status-${s}`, dataset: { status: s } }, `${incidentStatus(s)}: ${incidentsByStatus[s] ?? 0}`))),
      h('div', null, h('b', null, t('supervisor.units')), UNIT_STATUSES.filter((s) => s !== 'off_duty').map((s) =>
        h('span', { class: `count status-${s}`, dataset: { status: s } }, `${unitStatus(s)}: ${unitsByStatus[s] ?? 0}`))));
    const columns = [
      { key: 'open', label: t('supervisor.col_open') }, { key: 'waiting', label: t('supervisor.col_waiting') },
      { key: 'units', label: t('supervisor.col_units') }, { key: 'available', label: t('supervisor.col_available') },
    ];
    const rows = [...perDistrict.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([code, values]) => ({ label: district(code), values }));
    counts.replaceChildren(byStatus, countTable('supervisor.by_district', columns, rows));
  };
  const renderCountsSoon = debounce(() => visible && renderCounts(), 250);

  on('incidents', () => {
    if (!visible) return;
    renderCountsSoon();
    loadSoon();
  });
  on('units', renderCountsSoon);
  on('snapshot', renderCountsSoon);
  on('tick', () => visible && tickOverdue());

  applyTexts(el);

  return {
    el,
    show() {
      visible = true;
      renderCounts();
      loadOverdue();
      links.show();
      cameras.show();
      clearInterval(timer);
      timer = setInterval(loadOverdue, REFRESH_MS);
    },
    hide() {
      visible = false;
      links.hide();
      cameras.hide();
      clearInterval(timer);
    },
    relabel() {
      applyTexts(el);
      links.relabel();
      cameras.relabel();
      placement?.relabel();
      if (visible) {
        renderCounts();
        renderOverdue();
      }
    },
  };
}
