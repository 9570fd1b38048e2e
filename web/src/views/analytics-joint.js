// Joint response with other services, on the analytics page: per service (and per incident category of its
// hand-overs) the answers counted and the intervals from our request to its acknowledgement, dispatch and
// arrival, by the service's own clock (GET /api/v1/analytics/joint-response, with the page's period and
// district). Medians and 90th percentiles as mm:ss; intervals left out for the service's clock are told.
import { get } from '../core/api.js';
import { h, setText } from '../core/dom.js';
import { intlLocale, locale, t } from '../core/i18n.js';
import { categoryName } from '../core/labels.js';
import { formatDuration } from '../core/format.js';

const COUNTS = ['requested', 'accepted', 'rejected', 'unanswered', 'late'];
const INTERVALS = ['acknowledged', 'dispatched', 'on_scene'];

export function jointTable() {
  const hint = h('div', { class: 'hint', testid: 'analytics-joint-hint' });
  const box = h('div', { class: 'analytics-table-box', testid: 'analytics-joint' });
  const el = h('div', { class: 'analytics-joint' },
    h('div', { class: 'section-title', 'data-t': 'analytics.joint' }), hint, box);
  let answer = null;
  let generation = 0;

  const agencyName = (row) => row.agency_name?.[locale()] || row.agency_name?.ru || row.agency;

  const render = () => {
    if (!answer) return;
    const number = new Intl.NumberFormat(intlLocale());
    const rows = answer.by_agency.flatMap((total) => [total, ...answer.by_category.filter((r) => r.agency === total.agency)]);
    if (!rows.length) {
      setText(hint, '');
      box.replaceChildren(h('div', { class: 'empty', testid: 'analytics-joint-empty' }, t('analytics.joint_empty')));
      return;
    }
    const negative = answer.by_agency.reduce((sum, r) => sum + INTERVALS.reduce((s, i) => s + r.intervals[i].negative, 0), 0);
    setText(hint, [t('analytics.joint_hint'), negative ? t('analytics.joint_negative', { n: number.format(negative) }) : '']
      .filter(Boolean).join(' '));
    const head = h('tr', null,
      h('th', { class: 'group' }, t('analytics.joint_agency')),
      h('th', { class: 'group' }, t('analytics.joint_category')),
      ...COUNTS.map((k) => h('th', null, t(`analytics.joint_${k}`))),
      ...INTERVALS.map((i) => h('th', null, t(`analytics.joint_interval.${i}`))));
    const body = rows.map((row) => h('tr', {
      class: row.category === null ? 'total' : null,
      testid: 'analytics-joint-row',
      dataset: { agency: row.agency, category: row.category ?? '' },
    },
    h('th', { class: 'group' }, agencyName(row)),
    h('th', { class: 'group' }, row.category === null ? t('analytics.joint_all') : categoryName(row.category)),
    ...COUNTS.map((k) => h('td', null, number.format(row[k]))),
    ...INTERVALS.map((i) => {
      const s = row.intervals[i];
      return h('td', { dataset: { interval: i, n: String(s.n) } },
        s.n ? `${formatDuration(s.median_s)} / ${formatDuration(s.p90_s)}` : '—');
    })));
    box.replaceChildren(h('table', { class: 'count-table analytics-table' }, h('thead', null, head), h('tbody', null, body)));
  };

  return {
    el,
    /** Ask for the figures of the page's query (from, to, district); a later call wins over an earlier one. */
    async load(query) {
      const mine = ++generation;
      const found = await get(`/api/v1/analytics/joint-response?${query}`);
      if (mine !== generation) return;
      answer = found;
      render();
    },
    relabel: render,
  };
}
