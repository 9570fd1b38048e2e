// The analyst's page (supervisors have it too): interval statistics grouped by any one or two dimensions,
// trend charts of the period, and the period report for any dates and district in the user's scope.
// Figures come from the analytics API (GET /api/v1/analytics/intervals, /counts, /joint-response drawn by
// analytics-joint.js, and /cctv-coverage drawn by analytics-coverage.js); the server narrows a district's staff
// to their district, and this page offers them no other. The data may be live incidents, imported ones (another
// system's export) or both; over imported data the page also groups by the source's own dimensions (listed by
// GET /api/v1/analytics/dimensions) and says which calendar the figures were read in when it is not the region's.
import { get } from '../core/api.js';
import { on } from '../core/bus.js';
import { debounce, h, setText } from '../core/dom.js';
import { applyTexts, intlLocale, locale, t, tOr } from '../core/i18n.js';
import { categoryName, channel, district, districtCodes, unitType } from '../core/labels.js';
import { state } from '../core/store.js';
import { formatDateTime, formatDuration } from '../core/format.js';
import { toastError } from '../core/toast.js';
import { barChart, lineChart } from './analytics-chart.js';
import { coverageTable } from './analytics-coverage.js';
import { jointTable } from './analytics-joint.js';
import { downloadReport, localToday } from './reports.js';

const DIMENSIONS = [
  'priority', 'category', 'category_group', 'district', 'channel', 'partner', 'unit_type', 'hour', 'weekday', 'week',
  'month', 'year',
];
const SOURCE_PREFIX = 'source.';
const isSource = (dimension) => dimension === 'source_priority' || dimension === 'source_category' || String(dimension).startsWith(SOURCE_PREFIX);
const STANDARD_INTERVALS = ['call_processing', 'turnout', 'travel', 'response'];
const WEEK_STEPS_UP_TO_DAYS = 92; // a quarter or less is drawn week by week, a longer period month by month

function shiftDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function daysBetween(first, last) {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86400000) + 1;
}

const PRESETS = {
  month: () => ({ from: `${localToday().slice(0, 7)}-01`, to: localToday() }),
  year: () => ({ from: `${localToday().slice(0, 4)}-01-01`, to: localToday() }),
  days30: () => ({ from: shiftDays(localToday(), -29), to: localToday() }),
};

function weekdayName(iso) {
  // 1 January 2024 was a Monday: ISO weekday n is that day plus n - 1.
  return new Intl.DateTimeFormat(intlLocale(), { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, Number(iso))));
}

function monthName(yearMonth) {
  const [year, month] = String(yearMonth).split('-').map(Number);
  if (!year || !month) return String(yearMonth);
  return new Intl.DateTimeFormat(intlLocale(), { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, 1)));
}

/** A group's value in words: names for codes, local names of weekdays and months. */
export function groupLabel(dimension, value) {
  if (value === null || value === undefined) return '—';
  if (isSource(dimension)) return String(value); // the source's own values, as it wrote them
  switch (dimension) {
    case 'priority': return t('priority.short', { n: value });
    case 'category': return categoryName(value);
    case 'category_group': return tOr(`category_group.${value}`, value);
    case 'district': return district(value);
    case 'channel': return channel(value);
    case 'partner': return tOr(`partner.${value}`, value);
    case 'unit_type': return unitType(value);
    case 'hour': return `${String(value).padStart(2, '0')}:00`;
    case 'weekday': return weekdayName(value);
    case 'month': return monthName(value);
    default: return String(value);
  }
}

// A custom interval's own name (from the API's definitions) in the console's language, else the built-in one.
let ownNames = {};
/** A dimension's name: ours by its text, a source column kept by an import as "<name> (source)". */
export function dimensionName(dimension) {
  if (String(dimension).startsWith(SOURCE_PREFIX)) return t('analytics.dim.source', { name: dimension.slice(SOURCE_PREFIX.length) });
  return t(`analytics.dim.${dimension}`);
}

const intervalName = (name) => ownNames[name]?.[locale()] || ownNames[name]?.ru || tOr(`analytics.interval.${name}`, name);

export function analyticsView() {
  const regionWide = !state.user.district;
  const from = h('input', { type: 'date', testid: 'analytics-from', required: true });
  const to = h('input', { type: 'date', testid: 'analytics-to', required: true });
  const districtSelect = h('select', { testid: 'analytics-district', disabled: !regionWide });
  const groupSelect = h('select', { testid: 'analytics-group' });
  const thenSelect = h('select', { testid: 'analytics-then' });
  const intervalSelect = h('select', { testid: 'analytics-interval' });
  const origins = ['live', 'imported', 'all'];
  // The data of the tables, charts and counts: live incidents, imported ones, or both.
  const originSelect = h('select', { testid: 'analytics-data-origin' },
    ...origins.map((value) => h('option', { value, 'data-t': `analytics.origin.${value}` })));
  const calendarNote = h('div', { class: 'hint', testid: 'analytics-calendar', hidden: true });
  const status = h('div', { class: 'hint', testid: 'analytics-status' });
  const table = h('div', { class: 'analytics-table-box', testid: 'analytics-table' });
  const quality = h('div', { class: 'hint', testid: 'analytics-quality' });
  const countsTitle = h('div', { class: 'chart-title' });
  const responseTitle = h('div', { class: 'chart-title' });
  const countsChart = h('div', { class: 'chart-box' });
  const responseChart = h('div', { class: 'chart-box' });
  const joint = jointTable();
  const coverage = coverageTable((dimension, value) => groupLabel(dimension, value));

  const field = (key, control) => h('label', { class: 'field' }, h('span', { 'data-t': key }), control);
  const preset = (name, key) => h('button', { type: 'button', testid: `analytics-preset-${name}`, 'data-t': key, onclick: () => setPeriod(PRESETS[name]()) });
  // The report's data: live incidents, imported ones (another system's export), or both.
  const reportOrigin = h('select', { testid: 'analytics-report-origin' },
    ...origins.map((value) => h('option', { value, 'data-t': `analytics.origin.${value}` })));
  const report = (format, key) => h('button', {
    type: 'button', testid: `analytics-report-${format}`, 'data-t': key,
    onclick: () => downloadReport({
      from: from.value, to: to.value, format, district: districtSelect.value || null, origin: reportOrigin.value,
    }),
  });

  const el = h('div', { class: 'view view-analytics', testid: 'analytics-view' },
    h('div', { class: 'view-head' }, h('h2', { 'data-t': 'analytics.title' })),
    h('div', { class: 'analytics-filters' },
      field('analytics.from', from),
      field('analytics.to', to),
      field('analytics.district', districtSelect),
      field('analytics.origin', originSelect),
      h('div', { class: 'analytics-presets' },
        preset('month', 'analytics.this_month'), preset('year', 'analytics.this_year'), preset('days30', 'analytics.last_30_days'))),
    h('div', { class: 'analytics-filters' },
      field('analytics.group_by', groupSelect),
      field('analytics.then_by', thenSelect),
      field('analytics.interval', intervalSelect),
      h('button', { type: 'button', class: 'primary', testid: 'analytics-show', 'data-t': 'analytics.show', onclick: () => load() })),
    status,
    table,
    calendarNote,
    quality,
    joint.el,
    coverage.el,
    h('div', { class: 'section-title', 'data-t': 'analytics.trend' }),
    h('div', { class: 'analytics-charts' },
      h('figure', { class: 'chart-figure' }, countsTitle, countsChart),
      h('figure', { class: 'chart-figure' }, responseTitle, responseChart)),
    h('div', { class: 'section-title', 'data-t': 'analytics.reports' }),
    h('div', { class: 'report-buttons', testid: 'analytics-reports' },
      field('analytics.origin', reportOrigin),
      report('html', 'analytics.report_page'), report('xlsx', 'reports.xlsx'), report('pdf', 'reports.pdf')));

  let data = null; // the last answers: {grouping, intervals, total, trendCounts, trendResponse, step}
  let generation = 0;
  let loaded = false;
  let loading = false;
  let known = null; // the last answer of /dimensions: the source dimensions and the calendars

  const renderStatus = () => {
    const refreshed = data?.grouped.snapshot.refreshed_at;
    el.dataset.loading = String(loading);
    if (loading) setText(status, t('analytics.loading'));
    else setText(status, refreshed ? t('analytics.as_of', { time: formatDateTime(refreshed) }) : '');
  };

  const option = (value, text, selected) => h('option', { value, selected: selected || null }, text);

  const renderChoices = () => {
    const districtWas = districtSelect.value || (regionWide ? '' : state.user.district);
    const codes = regionWide ? districtCodes() : [state.user.district];
    districtSelect.replaceChildren(
      ...(regionWide ? [option('', t('analytics.all_districts'), districtWas === '')] : []),
      ...codes.map((code) => option(code, district(code), code === districtWas)));
    const dims = (chosen, none) => [
      ...(none ? [option('', t('analytics.no_grouping'), chosen === '')] : []),
      ...offered().map((d) => option(d, dimensionName(d), d === chosen))];
    // A choice no longer offered (a source's dimension over live data) falls back to priority, or to none.
    const choices = offered();
    const kept = (select, otherwise) => (select.value === '' || choices.includes(select.value) ? select.value : otherwise);
    const group = groupSelect.options.length ? kept(groupSelect, 'priority') : 'priority';
    const then = kept(thenSelect, '');
    groupSelect.replaceChildren(...dims(group, true));
    thenSelect.replaceChildren(...dims(then, true));
    const names = data?.grouped.intervals.map((i) => i.name) ?? STANDARD_INTERVALS;
    const interval = intervalSelect.value || 'response';
    intervalSelect.replaceChildren(...names.map((name) => option(name, intervalName(name), name === interval)));
  };

  // The source's dimensions are offered over imported data (live incidents have none).
  const offered = () => (originSelect.value === 'live' ? DIMENSIONS : [...DIMENSIONS, ...(known?.source ?? [])]);

  const setPeriod = ({ from: first, to: last }) => {
    from.value = first;
    to.value = last;
    load();
  };

  // The page's query; live data is the default and is not sent (joint-response is of live incidents only).
  const query = (extra = {}, { live = false } = {}) => {
    const params = new URLSearchParams({ from: from.value, to: to.value });
    if (districtSelect.value) params.set('district', districtSelect.value);
    if (!live && originSelect.value !== 'live') params.set('origin', originSelect.value);
    for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
    return params.toString();
  };

  const grouping = () => [groupSelect.value, thenSelect.value].filter((d, i, all) => d && all.indexOf(d) === i);

  async function load() {
    if (!from.value || !to.value) return;
    const mine = ++generation;
    loading = true;
    renderStatus();
    const dims = grouping();
    const step = daysBetween(from.value, to.value) <= WEEK_STEPS_UP_TO_DAYS ? 'week' : 'month';
    joint.load(query({}, { live: true })).catch((error) => {
      if (mine === generation) toastError(error);
    });
    coverage.load(query()).catch((error) => {
      if (mine === generation) toastError(error);
    });
    try {
      const [grouped, total, trendCounts, trendResponse, dimensions] = await Promise.all([
        get(`/api/v1/analytics/intervals?${query({ group_by: dims.join(',') })}`),
        get(`/api/v1/analytics/intervals?${query()}`),
        get(`/api/v1/analytics/counts?${query({ group_by: step })}`),
        get(`/api/v1/analytics/intervals?${query({ group_by: step, intervals: 'response' })}`),
        get('/api/v1/analytics/dimensions').catch(() => known), // the choices stay as they were
      ]);
      if (mine !== generation) return;
      loading = false;
      known = dimensions;
      data = { dims, grouped, total, trendCounts, trendResponse, step };
      ownNames = Object.fromEntries(grouped.intervals.map((i) => [i.name, i.names ?? {}]));
      renderChoices();
      render();
    } catch (error) {
      if (mine !== generation) return;
      loading = false;
      renderStatus();
      toastError(error);
    }
  }
  const loadLater = debounce(load, 300);
  const loadSoon = () => {
    loading = true; // shown at once, while the typing settles
    renderStatus();
    loadLater();
  };

  const statsCells = (row, interval) => {
    const s = row.intervals[interval];
    const number = new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 1 });
    return [
      h('td', null, number.format(row.incidents)),
      h('td', null, s ? number.format(s.n) : '—'),
      h('td', null, formatDuration(s?.mean_s)),
      h('td', null, formatDuration(s?.median_s)),
      h('td', null, formatDuration(s?.p90_s)),
      h('td', { testid: 'analytics-within' }, s?.within_target_pct === null || s?.within_target_pct === undefined ? '—' : `${number.format(s.within_target_pct)} %`),
    ];
  };

  const render = () => {
    if (!data) return;
    const { dims, grouped, total } = data;
    const interval = intervalSelect.value || 'response';
    renderStatus();
    if (!total.rows.length || !total.rows[0].incidents) {
      table.replaceChildren(h('div', { class: 'empty', testid: 'analytics-empty' }, t('analytics.empty')));
    } else {
      const head = h('tr', null,
        ...(dims.length ? dims : ['']).map((d) => h('th', { class: 'group' }, d ? dimensionName(d) : '')),
        ...['col_incidents', 'col_n', 'col_mean', 'col_median', 'col_p90', 'col_within'].map((k) => h('th', null, t(`analytics.${k}`))));
      const rows = grouped.rows.map((row) => h('tr', { testid: 'analytics-row', dataset: { group: dims.map((d) => row.group[d] ?? '').join('|') } },
        ...dims.map((d) => h('th', { class: 'group' }, groupLabel(d, row.group[d]))),
        ...statsCells(row, interval)));
      const totalRow = dims.length
        ? [h('tr', { class: 'total', testid: 'analytics-total' }, h('th', { class: 'group', colspan: dims.length }, t('analytics.total')), ...statsCells(total.rows[0], interval))]
        : [];
      if (!dims.length) rows[0]?.setAttribute('data-testid', 'analytics-total');
      table.replaceChildren(h('table', { class: 'count-table analytics-table' }, h('thead', null, head), h('tbody', null, rows, totalRow)));
    }
    const q = total.data_quality;
    const left = q.intervals[interval] ?? { missing: 0, negative: 0 };
    renderCalendar(grouped.selection);
    setText(quality, t('analytics.quality', { missing: left.missing, negative: left.negative, merged: q.merged_excluded }));
    renderCharts();
  };

  // The calendar the figures were read in, said when it is not the region's (an import's own, for one).
  const renderCalendar = (selection) => {
    const region = known?.region_calendar;
    const differs = region && selection?.tz && (selection.tz !== region.tz || selection.week_start !== region.week_start);
    calendarNote.hidden = !differs;
    setText(calendarNote, differs ? t(`analytics.calendar_${selection.week_start}`, { zone: selection.tz }) : '');
  };

  const renderCharts = () => {
    const { trendCounts, trendResponse, step } = data;
    const stepWord = t(`analytics.step_${step}`);
    setText(countsTitle, t('analytics.trend_incidents', { step: stepWord }));
    setText(responseTitle, t('analytics.trend_response', { step: stepWord }));
    const key = (row) => String(row.group[step] ?? '');
    const label = (value) => (step === 'month' ? monthName(value) : value);
    const counts = trendCounts.rows.filter((r) => key(r)).sort((a, b) => key(a).localeCompare(key(b)))
      .map((r) => ({ label: label(key(r)), value: r.count }));
    const medians = trendResponse.rows.filter((r) => key(r)).sort((a, b) => key(a).localeCompare(key(b)))
      .map((r) => {
        const median = r.intervals.response?.median_s;
        return { label: label(key(r)), value: median === null || median === undefined ? null : Math.round(median / 6) / 10 };
      });
    const empty = () => h('div', { class: 'empty' }, t('analytics.chart_empty'));
    countsChart.replaceChildren(counts.length ? barChart(counts, { testid: 'analytics-trend-counts' }) : empty());
    const number = new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 1 });
    responseChart.replaceChildren(medians.some((m) => m.value !== null)
      ? lineChart(medians, { testid: 'analytics-trend-response', format: (v) => number.format(v) })
      : empty());
  };

  for (const control of [from, to, districtSelect, groupSelect, thenSelect]) control.addEventListener('change', loadSoon);
  intervalSelect.addEventListener('change', render);
  originSelect.addEventListener('change', () => {
    reportOrigin.value = originSelect.value; // the report follows the page's data, and may still differ
    renderChoices();
    loadSoon();
  });
  on('districts', () => {
    renderChoices();
    render();
  });

  applyTexts(el);
  renderChoices();

  return {
    el,
    show() {
      if (!loaded) {
        loaded = true;
        setPeriod(PRESETS.year());
      }
    },
    relabel() {
      applyTexts(el);
      renderChoices();
      renderStatus();
      render();
      joint.relabel();
      coverage.relabel();
    },
  };
}
