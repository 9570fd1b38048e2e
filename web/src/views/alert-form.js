// The form of a public alert (a new one, or an update of ours): the event and its CAP codes with sensible
// defaults, headline, description and instruction in Russian and Kazakh, the area (a district from the list or
// a polygon drawn on the map) and the onset and expiry in Almaty time, sent as UTC.
import { ApiError } from '../core/api.js';
import {
  CAP_CATEGORIES, CAP_CERTAINTIES, CAP_SEVERITIES, CAP_URGENCIES, fromLocalInput, toLocalInput,
} from '../core/alerts.js';
import { h } from '../core/dom.js';
import { t, tOr } from '../core/i18n.js';
import { district, districtCodes } from '../core/labels.js';
import { now } from '../core/format.js';
import { matches } from '../core/shortcuts.js';
import { polygonDrawing } from '../map/alert-draw.js';

const LANGUAGES = ['ru', 'kk'];
const TEXT_FIELDS = ['headline', 'description', 'instruction'];
const DEFAULT_HOURS = 6;
const DEFAULTS = { category: 'Safety', urgency: 'Immediate', severity: 'Severe', certainty: 'Observed' };

const select = (name, values, chosen) => h('select', { testid: `alert-${name}`, name },
  values.map((value) => h('option', { value, selected: value === chosen }, tOr(`alerts.${name}_${value}`, value))));

const field = (labelKey, control, extra = null) =>
  h('label', { class: 'field' }, h('span', null, t(labelKey)), control, extra);

/** A field of the API's errors (texts.kk.headline, area.polygon, expires, …) in the form's own words. */
function fieldLabel(name) {
  const text = /^texts\.(\w+)\.(\w+)/.exec(name);
  if (text) return `${tOr(`alerts.${text[2]}`, text[2])} (${tOr(`alerts.lang_${text[1]}`, text[1])})`;
  if (/^(area|polygon)/.test(name)) return t('alerts.area');
  return tOr(`alerts.${name.split('.')[0]}`, name);
}

/**
 * spec: {alert (to update) or null, onSubmit(body) → Promise, onClose()}. Returns {el, remove()}: remove()
 * takes the drawn outline off the map and gives the map's clicks back.
 */
export function alertForm({ alert = null, onSubmit, onClose }) {
  const inputs = {};
  const pointsText = h('span', { class: 'hint', testid: 'alert-draw-count' });
  const drawing = polygonDrawing((points) => {
    pointsText.textContent = t('alerts.points', { n: points.length });
  });

  inputs.event = h('input', { testid: 'alert-event', maxlength: 200, required: true, value: alert?.event ?? '' });
  for (const name of Object.keys(DEFAULTS)) {
    const values = { category: CAP_CATEGORIES, urgency: CAP_URGENCIES, severity: CAP_SEVERITIES, certainty: CAP_CERTAINTIES }[name];
    inputs[name] = select(name, values, alert?.[name] ?? DEFAULTS[name]);
  }
  const texts = LANGUAGES.map((language) => {
    const given = alert?.texts?.[language] ?? {};
    const controls = TEXT_FIELDS.map((name) => {
      const attrs = { testid: `alert-${name}-${language}`, lang: language, value: given[name] ?? '' };
      const control = name === 'headline'
        ? h('input', { ...attrs, maxlength: 160, required: true })
        : h('textarea', { ...attrs, rows: name === 'description' ? 3 : 2, maxlength: 4000 });
      if (name !== 'headline') control.value = given[name] ?? '';
      inputs[`texts.${language}.${name}`] = control;
      return field(`alerts.${name}`, control);
    });
    return h('fieldset', { class: 'alert-texts', testid: `alert-texts-${language}` }, h('legend', null, t(`alerts.lang_${language}`)), controls);
  });

  // The area: a district of the region's map, or a polygon drawn by clicks on the map.
  const area = alert?.area ?? {};
  const drawnBefore = Boolean(alert && !area.district && area.polygons?.length);
  const kindDistrict = h('input', { type: 'radio', name: 'alert-area-kind', value: 'district', testid: 'alert-area-district', checked: !drawnBefore });
  const kindPolygon = h('input', { type: 'radio', name: 'alert-area-kind', value: 'polygon', testid: 'alert-area-polygon', checked: drawnBefore });
  const codes = districtCodes();
  inputs.area = h('select', { testid: 'alert-district' },
    h('option', { value: '' }, t('alerts.district_choose')),
    codes.map((code) => h('option', { value: code, selected: code === area.district }, district(code))));
  const drawButton = h('button', { type: 'button', testid: 'alert-draw' });
  const undo = h('button', { type: 'button', testid: 'alert-draw-undo', onclick: () => drawing.undo() }, t('alerts.draw_undo'));
  const clear = h('button', { type: 'button', testid: 'alert-draw-clear', onclick: () => drawing.clear() }, t('alerts.draw_clear'));
  const drawRow = h('div', { class: 'alert-draw-row' }, drawButton, undo, clear, pointsText);
  const renderDraw = () => {
    drawButton.textContent = t(drawing.drawing() ? 'alerts.draw_stop' : 'alerts.draw_start');
    drawButton.setAttribute('aria-pressed', String(drawing.drawing()));
  };
  drawButton.addEventListener('click', () => {
    if (drawing.drawing()) drawing.stop();
    else drawing.start();
    renderDraw();
  });
  const areaKind = () => (kindPolygon.checked ? 'polygon' : 'district');
  const renderArea = () => {
    const polygon = areaKind() === 'polygon';
    inputs.area.hidden = polygon;
    drawRow.hidden = !polygon;
    if (!polygon) drawing.stop();
    else if (!drawing.drawing() && !drawing.points().length) drawing.start(); // choosing to draw starts it
    renderDraw();
  };
  kindDistrict.addEventListener('change', renderArea);
  kindPolygon.addEventListener('change', renderArea);
  if (drawnBefore) drawing.set(area.polygons[0]);
  else drawing.set([]);

  const startValue = alert?.onset ? toLocalInput(alert.onset) : '';
  inputs.onset = h('input', { type: 'datetime-local', testid: 'alert-onset', value: startValue });
  const expiresValue = alert?.expires ? toLocalInput(alert.expires) : toLocalInput(now() + DEFAULT_HOURS * 3600000);
  inputs.expires = h('input', { type: 'datetime-local', testid: 'alert-expires', required: true, value: expiresValue });

  const errors = h('ul', { class: 'alert-form-errors', testid: 'alert-form-errors', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'alert-submit' }, t(alert ? 'alerts.update_submit' : 'alerts.issue_submit'));
  const close = h('button', { type: 'button', testid: 'alert-form-close', onclick: () => onClose() }, t('alerts.form_close'));
  const form = h('form', { class: 'alert-form', testid: 'alert-form', dataset: { mode: alert ? 'update' : 'issue' }, novalidate: true },
    h('div', { class: 'action-title' }, alert ? t('alerts.update_title', { headline: alert.texts?.ru?.headline ?? alert.event }) : t('alerts.new_title')),
    field('alerts.event', inputs.event),
    h('div', { class: 'alert-codes' },
      field('alerts.category', inputs.category), field('alerts.urgency', inputs.urgency),
      field('alerts.severity', inputs.severity), field('alerts.certainty', inputs.certainty)),
    h('div', { class: 'alert-texts-row' }, texts),
    h('fieldset', { class: 'alert-area', testid: 'alert-area' },
      h('legend', null, t('alerts.area')),
      h('div', { class: 'alert-area-kinds' },
        h('label', null, kindDistrict, ' ', t('alerts.area_district')),
        h('label', null, kindPolygon, ' ', t('alerts.area_polygon'))),
      inputs.area, drawRow,
      h('div', { class: 'hint', hidden: codes.length > 0 }, t('alerts.no_districts'))),
    h('div', { class: 'alert-times' },
      field('alerts.onset', inputs.onset, h('small', null, t('alerts.local_time'))),
      field('alerts.expires', inputs.expires, h('small', null, t('alerts.local_time')))),
    errors,
    h('div', { class: 'form-actions' }, submit, close));

  const showErrors = (list) => {
    for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
    errors.replaceChildren(...list.map(({ field: name, message }) => h('li', null, name ? `${fieldLabel(name)}: ${message}` : message)));
    errors.hidden = list.length === 0;
    let first = null;
    for (const { field: name } of list) {
      const key = Object.keys(inputs).filter((k) => name === k || name.startsWith(`${k}.`) || name.startsWith(`${k}[`))
        .sort((a, b) => b.length - a.length)[0] ?? (name.startsWith('polygon') ? 'area' : null);
      if (!key) continue;
      inputs[key].setAttribute('aria-invalid', 'true');
      first ??= inputs[key];
    }
    first?.focus();
  };

  const body = () => {
    const problems = [];
    const texts = {};
    for (const language of LANGUAGES) {
      texts[language] = {};
      for (const name of TEXT_FIELDS) {
        const value = inputs[`texts.${language}.${name}`].value.trim();
        if (value) texts[language][name] = value;
        else if (name === 'headline') problems.push({ field: `texts.${language}.headline`, message: t('alerts.required') });
      }
    }
    if (!inputs.event.value.trim()) problems.push({ field: 'event', message: t('alerts.required') });
    let areaBody = null;
    if (areaKind() === 'district') {
      if (inputs.area.value) areaBody = { district: inputs.area.value };
      else problems.push({ field: 'area', message: t('alerts.district_needed') });
    } else if (drawing.points().length >= 3) {
      areaBody = { polygon: drawing.points() };
    } else {
      problems.push({ field: 'area', message: t('alerts.polygon_needed') });
    }
    const expires = fromLocalInput(inputs.expires.value);
    if (!expires) problems.push({ field: 'expires', message: t('alerts.required') });
    const onset = inputs.onset.value ? fromLocalInput(inputs.onset.value) : null;
    const result = {
      event: inputs.event.value.trim(),
      category: inputs.category.value,
      urgency: inputs.urgency.value,
      severity: inputs.severity.value,
      certainty: inputs.certainty.value,
      texts,
      area: areaBody,
      expires,
    };
    if (onset) result.onset = onset;
    return { result, problems };
  };

  form.addEventListener('keydown', (event) => {
    if (matches('form-close', event)) {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { result, problems } = body();
    showErrors(problems);
    if (problems.length) return;
    submit.disabled = true;
    try {
      await onSubmit(result);
    } catch (error) {
      showErrors(error instanceof ApiError ? error.fieldErrors : []); // the page has told the error
    } finally {
      submit.disabled = false;
    }
  });

  renderArea();
  queueMicrotask(() => inputs.event.focus());
  return {
    el: form,
    remove: () => drawing.remove(),
    pause() { // the page is left: the map's clicks go back to the other views, the outline stays
      drawing.stop();
      renderDraw();
    },
  };
}
