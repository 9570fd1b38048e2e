// The planning page for supervisors and analysts: scenarios side by side. "Today" is the units on duty at
// their last known positions (GET /api/v1/planning/current), "Proposal" a plan file `kuzet plan` wrote, loaded
// from disk, and "Manual" a copy of Today whose posts are moved by clicking a post, then the map. Each is
// simulated on asking (POST /api/v1/planning/evaluate); the table sets their figures with 95 % intervals side
// by side, and the map shows the selected scenario's posts and slow-response cells.
import { get, post } from '../core/api.js';
import { h, setText } from '../core/dom.js';
import { applyTexts, intlLocale, t } from '../core/i18n.js';
import { formatDuration } from '../core/format.js';
import { toastError } from '../core/toast.js';
import { setPickHandler, theMap } from '../map/map.js';
import { showPosts, showSlowMap } from '../map/planning-layer.js';

const SCENARIOS = ['today', 'proposal', 'manual'];
const FIGURES = [
  { name: 'median_response_s', text: 'planning.fig_median', kind: 'duration' },
  { name: 'p90_response_s', text: 'planning.fig_p90', kind: 'duration' },
  { name: 'within_target', text: 'planning.fig_within', kind: 'share' },
  { name: 'utilisation', text: 'planning.fig_utilisation', kind: 'share' },
  { name: 'waited_share', text: 'planning.fig_waited', kind: 'share' },
  // Queueing theory's quick answers (no interval: they are computed, not sampled).
  { name: 'cross_border', text: 'planning.fig_cross_border', kind: 'share', queueing: true },
  { name: 'mean_travel_s', text: 'planning.fig_travel', kind: 'duration', queueing: true },
  { name: 'busiest_workload', text: 'planning.fig_busiest', kind: 'share', queueing: true },
  { name: 'call_takers_peak', text: 'planning.fig_call_takers', kind: 'count', queueing: true },
];

function format(kind, value) {
  if (value === null || value === undefined) return '—';
  if (kind === 'duration') return formatDuration(value);
  if (kind === 'count') return String(value);
  return new Intl.NumberFormat(intlLocale(), { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

export function planningView() {
  const scenarios = Object.fromEntries(SCENARIOS.map((key) => [key, { plan: null, result: null, busy: false }]));
  let selected = 'today';
  let moving = null; // index of the Manual post being moved
  const days = h('input', { type: 'number', min: '1', max: '60', value: '7', testid: 'planning-days' });
  const runs = h('input', { type: 'number', min: '2', max: '10', value: '3', testid: 'planning-replications' });
  const columns = h('div', { class: 'planning-columns' });
  const table = h('div', { class: 'analytics-table-box', testid: 'planning-figures' });
  const status = h('div', { class: 'hint', testid: 'planning-status' });
  const el = h('div', { class: 'view planning-view', testid: 'planning-view' },
    h('div', { class: 'section-title', 'data-t': 'planning.title' }),
    h('div', { class: 'hint', 'data-t': 'planning.hint' }),
    h('div', { class: 'analytics-filters' },
      h('label', { class: 'field' }, h('span', { 'data-t': 'planning.days' }), days),
      h('label', { class: 'field' }, h('span', { 'data-t': 'planning.replications' }), runs)),
    columns, status, table,
    h('div', { class: 'hint', 'data-t': 'planning.interval_note' }));

  const drawMap = () => {
    const chosen = scenarios[selected];
    showPosts(chosen.plan, selected === 'manual' ? moving : null);
    return showSlowMap(chosen.result?.slow_map ?? null);
  };

  const stopMoving = () => {
    moving = null;
    setPickHandler(null);
    setText(status, '');
  };

  const startMoving = (index) => {
    moving = index;
    selected = 'manual';
    const target = scenarios.manual.plan.posts[index];
    setText(status, t('planning.moving', { name: target.name ?? `#${index + 1}` }));
    setPickHandler((lat, lon) => {
      const plan = scenarios.manual.plan;
      const moved = { ...plan.posts[index], lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)) };
      delete moved.node; // the server snaps the new point to the road graph
      plan.posts = plan.posts.map((p, i) => (i === index ? moved : p));
      scenarios.manual.result = null;
      stopMoving();
      render();
    });
    render();
  };

  const evaluate = async (key) => {
    const scenario = scenarios[key];
    if (!scenario.plan || scenario.busy) return;
    scenario.busy = true;
    selected = key;
    render();
    try {
      scenario.result = await post('/api/v1/planning/evaluate', {
        plan: { call_takers: scenario.plan.call_takers ?? 0, posts: scenario.plan.posts },
        days: Number(days.value), replications: Number(runs.value),
      });
    } catch (error) {
      toastError(error);
    } finally {
      scenario.busy = false;
      render();
    }
    const bounds = selected === key ? drawMap() : null;
    if (bounds?.isValid()) theMap().fitBounds(bounds, { animate: false, maxZoom: 15 });
  };

  const upload = async (file) => {
    try {
      const plan = JSON.parse(await file.text());
      if (!plan || !Array.isArray(plan.posts)) throw new Error('not a plan');
      scenarios.proposal = { plan, result: null, busy: false };
      selected = 'proposal';
    } catch {
      toastError(new Error(t('planning.bad_file')));
    }
    render();
  };

  const summary = (plan) => {
    if (!plan) return t('planning.no_plan');
    const units = plan.posts.reduce((n, p) => n + (p.count ?? 1), 0);
    return t('planning.units', { n: units, posts: plan.posts.length });
  };

  const column = (key) => {
    const scenario = scenarios[key];
    const parts = [
      h('div', { class: 'section-title' }, t(`planning.${key}`)),
      h('div', { class: 'hint', testid: `planning-summary-${key}` }, summary(scenario.plan)),
    ];
    if (key === 'today' && scenario.plan?.unplaced?.length) {
      parts.push(h('div', { class: 'hint' }, t('planning.unplaced', { names: scenario.plan.unplaced.join(', ') })));
    }
    if (key === 'proposal') {
      const input = h('input', { type: 'file', accept: '.json,application/json', testid: 'planning-upload',
        onchange: () => input.files[0] && upload(input.files[0]) });
      parts.push(h('label', { class: 'field' }, h('span', null, t('planning.upload')), input));
    }
    if (key === 'manual' && scenario.plan) {
      parts.push(h('div', { class: 'hint' }, t('planning.move_hint')));
      parts.push(h('div', { class: 'planning-posts' }, scenario.plan.posts.map((p, i) => h('button', {
        type: 'button', class: i === moving ? 'active' : null, testid: 'planning-post', dataset: { index: i },
        onclick: () => (moving === i ? stopMoving() : startMoving(i)),
      }, p.name ?? `#${i + 1}`))));
    }
    parts.push(h('div', { class: 'planning-actions' },
      h('button', { type: 'button', testid: `planning-evaluate-${key}`, disabled: !scenario.plan || scenario.busy,
        onclick: () => evaluate(key) }, scenario.busy ? t('planning.evaluating') : t('planning.evaluate')),
      h('button', { type: 'button', testid: `planning-map-${key}`, disabled: !scenario.result,
        class: selected === key ? 'active' : null,
        onclick: () => { selected = key; render(); } }, t('planning.show_map'))));
    return h('div', { class: 'planning-column', testid: `planning-${key}`, dataset: { selected: String(selected === key) } }, parts);
  };

  const render = () => {
    columns.replaceChildren(...SCENARIOS.map(column));
    const head = h('tr', null, h('th', null, t('planning.figure')), SCENARIOS.map((k) => h('th', null, t(`planning.${k}`))));
    const rows = FIGURES.map((f) => h('tr', { testid: 'planning-row', dataset: { figure: f.name } },
      h('th', null, t(f.text)),
      SCENARIOS.map((k) => {
        const result = scenarios[k].result;
        if (f.queueing) {
          const value = result?.queueing?.[f.name];
          return h('td', { testid: 'planning-cell', dataset: { scenario: k }, title: Object.values(result?.queueing?.problems ?? {}).join('; ') },
            result ? format(f.kind, value) : '—');
        }
        const figure = result?.figures?.[f.name];
        const text = figure ? `${format(f.kind, figure.mean)} (${format(f.kind, figure.low)}–${format(f.kind, figure.high)})` : '—';
        return h('td', { testid: 'planning-cell', dataset: { scenario: k } }, text);
      })));
    table.replaceChildren(h('table', { class: 'analytics-table' }, h('thead', null, head), h('tbody', null, rows)));
    drawMap();
  };

  const load = async () => {
    try {
      const today = await get('/api/v1/planning/current');
      scenarios.today = { plan: today, result: null, busy: false };
      scenarios.manual = { plan: { ...today, posts: today.posts.map((p) => ({ ...p })) }, result: null, busy: false };
    } catch (error) {
      toastError(error);
    }
    render();
  };

  applyTexts(el);
  render();
  let loaded = false;
  return {
    el,
    show() {
      if (!loaded) {
        loaded = true;
        load();
      }
      render();
    },
    hide() {
      stopMoving();
      showPosts(null);
      showSlowMap(null);
    },
    relabel() {
      applyTexts(el);
      render();
    },
  };
}
