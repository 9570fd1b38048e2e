// Editing an incident from its card: its category (and with it the priority, with a reason), free notes at any
// time, how many are injured, merging another incident in or splitting this one off, and moving an appeal to another incident.
import { post } from '../core/api.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { categoryName } from '../core/labels.js';
import { isOpen, state } from '../core/store.js';
import { matches } from '../core/shortcuts.js';
import { toastError, toastInfo } from '../core/toast.js';
import { categoryLabel, lookupCategory, renderCategory } from './call-lookups.js';
import { attachSuggestions } from './suggest.js';

const PRIORITIES = [1, 2, 3, 4];

/** A form under a card button: `rows` of fields, confirm (Ctrl+Enter, or Enter outside a text area), Escape. */
function editForm({ testid, title, rows, focus, onConfirm, onClose }) {
  const confirm = h('button', { type: 'submit', class: 'primary', testid: 'edit-confirm' }, t('action.confirm'));
  const cancel = h('button', { type: 'button', testid: 'edit-cancel', onclick: () => onClose() }, t('action.cancel'));
  const form = h('form', { class: 'action-form', testid }, h('div', { class: 'action-title' }, title), rows,
    h('div', { class: 'form-actions' }, confirm, cancel));
  form.addEventListener('keydown', (event) => {
    if (matches('form-close', event) && !event.defaultPrevented) {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    } else if (event.key === 'Enter' && (event.ctrlKey || event.target.tagName === 'SELECT')) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    confirm.disabled = true;
    try {
      if ((await onConfirm()) !== false) onClose();
    } catch (error) {
      toastError(error);
    } finally {
      confirm.disabled = false;
    }
  });
  queueMicrotask(() => focus?.focus());
  return form;
}

const field = (labelKey, control, ...extra) => h('label', { class: 'field' }, h('span', null, t(labelKey)), control, ...extra);

/** A required text: focus it and stop when empty. */
function filled(input) {
  const value = input.value.trim();
  if (!value) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
  return value;
}

/** The category and the priority it brings (the operator may set another), with the reason for the change. */
export function categoryForm({ incident, onDone, onClose }) {
  let chosen = state.categories.find((c) => c.code === incident.category_code) ?? null;
  const input = h('input', { testid: 'edit-category', value: chosen ? categoryLabel(chosen) : '' });
  const priority = h('select', { testid: 'edit-priority' },
    PRIORITIES.map((p) => h('option', { value: p, selected: p === incident.priority }, `${t('priority.short', { n: p })} · ${t(`priority.${p}`)}`)));
  const reason = h('input', { testid: 'edit-reason', maxlength: 2000 });
  const suggest = attachSuggestions(input, {
    testid: 'edit-category-suggestions', lookup: lookupCategory, render: renderCategory, delay: 0, pickOnTab: true,
    onPick: (category) => {
      chosen = category;
      input.value = categoryLabel(category);
      priority.value = String(category.priority); // the category's own priority, unless the operator changes it
    },
  });
  return editForm({
    testid: 'edit-category-form',
    title: t('edit.category_title'),
    rows: [h('div', { class: 'field-wrap' }, field('call.category', input), suggest.list), field('edit.priority', priority), field('action.reason', reason)],
    focus: input,
    onClose,
    async onConfirm() {
      if (!chosen || input.value !== categoryLabel(chosen)) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return false;
      }
      const why = filled(reason);
      if (!why) return false;
      await post(`/api/v1/incidents/${incident.id}/category`, { category_code: chosen.code, priority: Number(priority.value), reason: why });
      toastInfo(t('edit.recategorised', { category: categoryName(chosen.code), priority: priority.value }));
      onDone();
      return true;
    },
  });
}

/** A free note on the timeline: open or closed, it is kept and every console showing the card sees it. */
export function noteForm({ incident, onDone, onClose }) {
  const text = h('textarea', { testid: 'edit-note', rows: 3, maxlength: 2000 });
  return editForm({
    testid: 'edit-note-form',
    title: t('edit.note_title'),
    rows: [field('action.note', text)],
    focus: text,
    onClose,
    async onConfirm() {
      const note = filled(text);
      if (!note) return false;
      await post(`/api/v1/incidents/${incident.id}/notes`, { text: note });
      onDone();
      return true;
    },
  });
}

/** How many are injured: 0 to 999, or empty when not known (the services handed the incident are told). */
export function injuredForm({ incident, onDone, onClose }) {
  const count = h('input', {
    // Checked here (0 to 999) rather than by the browser, so the field is marked like the form's others.
    type: 'number', inputmode: 'numeric', testid: 'edit-injured',
    value: incident.injured ?? '', 'aria-describedby': 'edit-injured-hint',
  });
  return editForm({
    testid: 'edit-injured-form',
    title: t('edit.injured_title'),
    rows: [field('card.injured', count, h('small', { id: 'edit-injured-hint', class: 'hint' }, t('edit.injured_hint')))],
    focus: count,
    onClose,
    async onConfirm() {
      const typed = count.value.trim();
      const injured = typed === '' ? null : Number(typed);
      if (injured !== null && !(Number.isInteger(injured) && injured >= 0 && injured <= 999)) {
        count.setAttribute('aria-invalid', 'true');
        count.focus();
        return false;
      }
      await post(`/api/v1/incidents/${incident.id}/injured`, { injured });
      toastInfo(t('edit.injured_saved'));
      onDone();
      return true;
    },
  });
}

/** Another open incident, chosen by its number (suggested from the queue, nearest first when placed). */
function incidentPicker(testid, { exclude }) {
  const input = h('input', { testid, 'data-t-placeholder': 'edit.number_placeholder', placeholder: t('edit.number_placeholder') });
  let picked = null;
  const lookup = (query) => {
    const wanted = query.trim().toLowerCase();
    const found = [...state.incidents.values()]
      .filter((i) => isOpen(i) && i.id !== exclude && i.number.toLowerCase().includes(wanted))
      .sort((a, b) => a.priority - b.priority || b.id - a.id)
      .slice(0, 8);
    return Promise.resolve(found);
  };
  const render = (i) => [
    h('span', { class: `prio prio-${i.priority}` }, t('priority.short', { n: i.priority })),
    h('span', { class: 'sg-main' }, i.number),
    h('span', { class: 'sg-tag' }, categoryName(i.category_code)),
    i.address ? h('span', { class: 'sg-tag' }, i.address) : null,
  ];
  const suggest = attachSuggestions(input, {
    testid: `${testid}-suggestions`, lookup, render, minLength: 1, delay: 0, pickOnTab: true,
    onPick: (incident) => {
      picked = incident;
      input.value = incident.number;
    },
  });
  const chosen = () => {
    const typed = input.value.trim().toLowerCase();
    if (picked && picked.number.toLowerCase() === typed) return picked;
    return [...state.incidents.values()].find((i) => isOpen(i) && i.id !== exclude && i.number.toLowerCase() === typed) ?? null;
  };
  return { input, list: suggest.list, chosen };
}

/** Merge another open incident into this one: its appeals and timeline join this card. */
export function mergeForm({ incident, onDone, onClose }) {
  const picker = incidentPicker('edit-merge-number', { exclude: incident.id });
  return editForm({
    testid: 'edit-merge-form',
    title: t('edit.merge_title', { number: incident.number }),
    rows: [h('div', { class: 'field-wrap' }, field('edit.other_incident', picker.input), picker.list)],
    focus: picker.input,
    onClose,
    async onConfirm() {
      const child = picker.chosen();
      if (!child) {
        picker.input.setAttribute('aria-invalid', 'true');
        picker.input.focus();
        return false;
      }
      await post(`/api/v1/incidents/${incident.id}/merge`, { child_id: child.id });
      toastInfo(t('edit.merged', { child: child.number, parent: incident.number }));
      onDone();
      return true;
    },
  });
}

/** Move one appeal to another open incident, or out into a new incident of its own. */
export function moveAppealForm({ appeal, incident, onDone, onClose }) {
  const picker = incidentPicker('edit-move-number', { exclude: incident.id });
  const alone = h('input', { type: 'checkbox', testid: 'edit-move-new' });
  alone.addEventListener('change', () => {
    picker.input.disabled = alone.checked;
  });
  return editForm({
    testid: 'edit-move-form',
    title: t('edit.move_title', { appeal: appeal.number }),
    rows: [
      h('div', { class: 'field-wrap' }, field('edit.other_incident', picker.input), picker.list),
      h('label', { class: 'check' }, alone, h('span', null, t('edit.move_new'))),
    ],
    focus: picker.input,
    onClose,
    async onConfirm() {
      const target = alone.checked ? null : picker.chosen();
      if (!alone.checked && !target) {
        picker.input.setAttribute('aria-invalid', 'true');
        picker.input.focus();
        return false;
      }
      const answer = await post(`/api/v1/appeals/${appeal.id}/move`, { incident_id: target?.id ?? null });
      toastInfo(t('edit.moved', { appeal: appeal.number, incident: answer.incident.number }));
      onDone();
      return true;
    },
  });
}

/** Split a merged incident off into its own again. */
export async function splitOff(incident, onDone) {
  try {
    await post(`/api/v1/incidents/${incident.id}/unmerge`);
    toastInfo(t('edit.split', { number: incident.number }));
    onDone();
  } catch (error) {
    toastError(error);
  }
}

/** The card's editing buttons (dispatching roles): their forms open under them, one at a time. */
export function editActions(ctx) {
  const { incident } = ctx.card;
  if (!ctx.canDispatch) return null;
  const open = isOpen(incident);
  const button = (key, testid, labelKey, build) => h('button', {
    type: 'button', testid, 'aria-expanded': String(ctx.formKey === key),
    onclick: () => ctx.openForm(key, { build: ({ onClose }) => build({ incident, onDone: ctx.refresh, onClose }) }),
  }, t(labelKey));
  const buttons = [
    open ? button('e:category', 'card-edit-category', 'edit.category', categoryForm) : null,
    button('e:note', 'card-add-note', 'edit.note', noteForm),
    open ? button('e:injured', 'card-edit-injured', 'edit.injured', injuredForm) : null,
    open ? button('e:merge', 'card-merge', 'edit.merge', mergeForm) : null,
    incident.merged_into_id !== null
      ? h('button', { type: 'button', testid: 'card-split-off', onclick: () => splitOff(incident, ctx.refresh) }, t('edit.split_off'))
      : null,
  ].filter(Boolean);
  return h('div', { class: 'card-actions card-edit', testid: 'card-edit' }, buttons, ctx.formKey?.startsWith('e:') ? ctx.formEl : null);
}

/** Under each appeal of an open incident: "move", and its form when open. */
export function appealTools(ctx) {
  const { incident } = ctx.card;
  if (!ctx.canDispatch || !isOpen(incident)) return () => null;
  return (appeal) => {
    const key = `a:${appeal.id}`;
    return [
      h('button', {
        type: 'button', class: 'link', testid: 'appeal-move', 'aria-expanded': String(ctx.formKey === key),
        onclick: () => ctx.openForm(key, { build: ({ onClose }) => moveAppealForm({ appeal, incident, onDone: ctx.refresh, onClose }) }),
      }, t('edit.move_appeal')),
      ctx.formKey === key ? ctx.formEl : null,
    ];
  };
}
