// The supervisor's placement plan: how many new cameras and over which period; GET /api/v1/cctv/placement
// chooses their sites (the maximal covering problem over the road graph's intersections), and the answer is
// drawn as the map's placement layer beside the coverage before and after (and greedy's, for comparison).
import { get } from '../core/api.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { toastError } from '../core/toast.js';
import { showOverlay, theMap } from '../map/map.js';
import { showPlacement } from '../map/placement-layer.js';

const share = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(1)} %` : '—');

function summaryTable(plan) {
  const row = (key, figures, testid) => h('tr', { testid },
    h('th', null, t(key)),
    h('td', null, String(figures.incidents)),
    h('td', null, share(figures.incidents, plan.incidents)),
    h('td', null, share(figures.weight, plan.total_weight)));
  return h('table', { class: 'count-table placement-summary', testid: 'placement-summary', dataset: { chosen: plan.chosen } },
    h('caption', null, t('placement.summary', { chosen: plan.chosen, incidents: plan.incidents, period: plan.period })),
    h('thead', null, h('tr', null, h('th'), h('th', null, t('placement.col_incidents')), h('th', null, t('placement.col_share')),
      h('th', null, t('placement.col_weight')))),
    h('tbody', null,
      row('placement.before', plan.before, 'placement-before'),
      row('placement.after', plan.after, 'placement-after'),
      row('placement.greedy', plan.greedy_after, 'placement-greedy')),
    h('tfoot', null, h('tr', null, h('td', { colspan: 4 },
      plan.proven_optimal ? t('placement.optimal') : t('placement.gap', { gap: plan.gap === null ? '—' : `${(100 * plan.gap).toFixed(2)} %` }),
      ' · ', t('placement.seconds', { s: plan.solve_seconds })))));
}

export function placementForm() {
  const count = h('input', { type: 'number', min: 1, max: 500, value: 10, required: true, testid: 'placement-new', class: 'placement-count' });
  const period = h('input', { type: 'text', maxlength: 40, testid: 'placement-period', placeholder: '2025', class: 'placement-period' });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'placement-run' });
  const clear = h('button', { type: 'button', testid: 'placement-clear', hidden: true });
  const result = h('div', { class: 'placement-result', testid: 'placement-result' });
  const problems = h('div', { class: 'form-problems', role: 'alert', testid: 'placement-problems' });
  const countLabel = h('span');
  const periodLabel = h('span');
  const form = h('form', { class: 'placement-form', testid: 'placement-form' },
    h('label', { class: 'field' }, countLabel, count),
    h('label', { class: 'field' }, periodLabel, period),
    submit, clear, problems);
  const el = h('div', { class: 'placement-box' }, form, result);
  let plan = null;

  const relabel = () => {
    countLabel.textContent = t('placement.new');
    periodLabel.textContent = t('placement.period');
    period.title = t('placement.period_hint');
    submit.textContent = t('placement.run');
    clear.textContent = t('placement.clear');
    result.replaceChildren(plan ? summaryTable(plan) : h('div', { class: 'muted' }, t('placement.hint')));
  };

  clear.addEventListener('click', () => {
    plan = null;
    showPlacement(null);
    clear.hidden = true;
    relabel();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problems.replaceChildren();
    submit.disabled = true;
    result.replaceChildren(h('div', { class: 'muted', testid: 'placement-working' }, t('placement.working')));
    const query = new URLSearchParams({ new: count.value });
    if (period.value.trim()) query.set('period', period.value.trim());
    try {
      const answer = await get(`/api/v1/cctv/placement?${query}`);
      plan = answer.plan;
      showOverlay('placement', true);
      const box = document.querySelector('[data-testid="map-layer-placement"]');
      if (box) box.checked = true;
      const bounds = showPlacement(answer);
      if (bounds?.isValid()) theMap().fitBounds(bounds, { padding: [30, 30], maxZoom: 16, animate: false });
      clear.hidden = false;
    } catch (error) {
      const fields = error.fieldErrors ?? [];
      problems.replaceChildren(...(fields.length ? fields.map((f) => h('div', null, f.message)) : [h('div', null, error.message)]));
      if (!fields.length) toastError(error);
    } finally {
      submit.disabled = false;
      relabel();
    }
  });
  relabel();
  return { el, relabel };
}
