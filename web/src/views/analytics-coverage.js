// Camera coverage on the analytics page: the share of the period's incidents seen by at least one camera
// online at the time, by month, category, priority or district, with the others by reason
// (GET /api/v1/analytics/cctv-coverage, with the page's period and district); and, on asking, the hot-spots
// of the incidents no camera saw drawn on the map (GET .../cctv-coverage/hotspots, the map's coverage layer).
import { get } from '../core/api.js';
import { h, setText } from '../core/dom.js';
import { intlLocale, t } from '../core/i18n.js';
import { toastError } from '../core/toast.js';
import { showHotspots } from '../map/coverage-layer.js';
import { showOverlay, theMap } from '../map/map.js';

const GROUPS = ['month', 'week', 'category', 'priority', 'district'];
const REASONS = ['camera_offline', 'blocked', 'out_of_view', 'no_camera_near'];

/** `groupLabel(dimension, value)` names a group's value as the page's other tables do. */
export function coverageTable(groupLabel) {
  const groupSelect = h('select', { testid: 'coverage-group' });
  const hint = h('div', { class: 'hint', testid: 'coverage-hint' });
  const box = h('div', { class: 'analytics-table-box', testid: 'coverage' });
  const spotsButton = h('button', { type: 'button', testid: 'coverage-hotspots', 'data-t': 'coverage.show_hotspots' });
  const clearButton = h('button', { type: 'button', testid: 'coverage-clear', 'data-t': 'coverage.clear_hotspots', hidden: true });
  const el = h('div', { class: 'analytics-coverage' },
    h('div', { class: 'section-title', 'data-t': 'coverage.title' }),
    h('div', { class: 'analytics-filters' },
      h('label', { class: 'field' }, h('span', { 'data-t': 'coverage.group' }), groupSelect), spotsButton, clearButton),
    hint, box);
  let answer = null;
  let query = '';
  let generation = 0;

  const renderChoices = () => {
    const chosen = groupSelect.value || 'month';
    groupSelect.replaceChildren(...GROUPS.map((g) => h('option', { value: g, selected: g === chosen || null }, t(`analytics.dim.${g}`))));
  };

  const render = () => {
    renderChoices();
    if (!answer) return;
    const number = new Intl.NumberFormat(intlLocale());
    const percent = new Intl.NumberFormat(intlLocale(), { style: 'percent', maximumFractionDigits: 1 });
    setText(hint, [t('coverage.hint'), answer.without_point + answer.imported_without_point
      ? t('coverage.without_point', { n: number.format(answer.without_point + answer.imported_without_point) }) : '']
      .filter(Boolean).join(' '));
    if (!answer.total.incidents) {
      box.replaceChildren(h('div', { class: 'empty', testid: 'coverage-empty' }, t('coverage.empty')));
      return;
    }
    const cells = (row) => [
      h('td', null, number.format(row.incidents)),
      h('td', null, number.format(row.seen)),
      h('td', { testid: 'coverage-share' }, row.share === null ? '—' : percent.format(row.share)),
      ...REASONS.map((r) => h('td', { dataset: { reason: r } }, number.format(row.not_seen[r]))),
    ];
    const head = h('tr', null,
      h('th', { class: 'group' }, t(`analytics.dim.${answer.group}`)),
      ...['incidents', 'seen', 'share'].map((k) => h('th', null, t(`coverage.col_${k}`))),
      ...REASONS.map((r) => h('th', null, t(`coverage.reason_${r}`))));
    const rows = answer.rows.map((row) => h('tr', { testid: 'coverage-row', dataset: { key: row.key ?? '' } },
      h('th', { class: 'group' }, groupLabel(answer.group, row.key)), ...cells(row)));
    const total = h('tr', { class: 'total', testid: 'coverage-total' }, h('th', { class: 'group' }, t('analytics.total')), ...cells(answer.total));
    box.replaceChildren(h('table', { class: 'count-table analytics-table' }, h('thead', null, head), h('tbody', null, rows, total)));
  };

  const load = async () => {
    if (!query) return;
    const mine = ++generation;
    const params = new URLSearchParams(query);
    params.set('group', groupSelect.value || 'month');
    const found = await get(`/api/v1/analytics/cctv-coverage?${params}`);
    if (mine !== generation) return;
    answer = found;
    render();
  };

  groupSelect.addEventListener('change', () => load().catch(toastError));
  spotsButton.addEventListener('click', async () => {
    spotsButton.disabled = true;
    try {
      const collection = await get(`/api/v1/analytics/cctv-coverage/hotspots?${query}`);
      showOverlay('coverage', true);
      const layerBox = document.querySelector('[data-testid="map-layer-coverage"]');
      if (layerBox) layerBox.checked = true;
      const bounds = showHotspots(collection);
      if (bounds?.isValid()) theMap().fitBounds(bounds, { padding: [30, 30], maxZoom: 16, animate: false });
      clearButton.hidden = !collection.features.length;
      if (!collection.features.length) setText(hint, t('coverage.no_hotspots'));
    } catch (error) {
      toastError(error);
    } finally {
      spotsButton.disabled = false;
    }
  });
  clearButton.addEventListener('click', () => {
    showHotspots(null);
    clearButton.hidden = true;
  });
  renderChoices();

  return {
    el,
    /** Ask for the figures of the page's query (from, to, district); a later call wins over an earlier one. */
    load(pageQuery) {
      query = pageQuery;
      return load();
    },
    relabel: render,
  };
}
