// A small inline form under a button: disposition, reason, unit, note — whatever the action needs.
// Enter confirms, Escape closes.
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { disposition as dispositionLabel } from '../core/labels.js';
import { DISPOSITIONS } from '../core/domain.js';
import { matches } from '../core/shortcuts.js';

/**
 * spec: {title, disposition: 'required'|'optional'|null, defaultDisposition, reason: bool, reasonLabel, note: bool,
 *        units: [{id, label}] | null, onConfirm(values) → Promise, onClose()}
 */
export function actionForm(spec) {
  const controls = {};
  const rows = [];
  if (spec.units) {
    controls.unit = h('select', { testid: 'action-unit' }, spec.units.map((u) => h('option', { value: u.id }, u.label)));
    rows.push(h('label', { class: 'field' }, h('span', null, t('action.unit')), controls.unit));
  }
  if (spec.disposition) {
    const options = DISPOSITIONS.map((code) => h('option', { value: code, selected: code === spec.defaultDisposition }, dispositionLabel(code)));
    if (spec.disposition === 'optional') options.unshift(h('option', { value: '' }, t('action.no_disposition')));
    controls.disposition = h('select', { testid: 'action-disposition' }, options);
    rows.push(h('label', { class: 'field' }, h('span', null, t('action.disposition')), controls.disposition));
  }
  if (spec.reason) {
    controls.reason = h('input', { testid: 'action-reason', maxlength: 500, required: true });
    rows.push(h('label', { class: 'field' }, h('span', null, t(spec.reasonLabel ?? 'action.reason')), controls.reason));
  }
  if (spec.note) {
    controls.note = h('input', { testid: 'action-note', maxlength: 2000 });
    rows.push(h('label', { class: 'field' }, h('span', null, t('action.note')), controls.note));
  }
  const confirm = h('button', { type: 'submit', class: 'primary', testid: 'action-confirm' }, t('action.confirm'));
  const cancel = h('button', { type: 'button', testid: 'action-cancel', onclick: () => spec.onClose() }, t('action.cancel'));
  const form = h('form', { class: 'action-form', testid: 'action-form' }, h('div', { class: 'action-title' }, spec.title), rows, h('div', { class: 'form-actions' }, confirm, cancel));
  form.addEventListener('keydown', (event) => {
    if (matches('form-close', event)) {
      event.preventDefault();
      event.stopPropagation();
      spec.onClose();
    } else if (matches('form-confirm', event) && (event.ctrlKey || event.target.tagName === 'SELECT')) {
      event.preventDefault(); // a select would open its list; Enter confirms the form instead
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = {
      unitId: controls.unit ? Number(controls.unit.value) : undefined,
      disposition: controls.disposition?.value || null,
      reason: controls.reason?.value.trim() ?? null,
      note: controls.note?.value.trim() || null,
    };
    if (controls.reason && !values.reason) {
      controls.reason.focus();
      return;
    }
    confirm.disabled = true;
    try {
      await spec.onConfirm(values);
      spec.onClose();
    } catch {
      confirm.disabled = false;
    }
  });
  queueMicrotask(() => (Object.values(controls)[0] ?? confirm).focus());
  return form;
}
