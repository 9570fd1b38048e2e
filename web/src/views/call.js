// Taking a 102 call by keyboard: phone → address → category → text (Enter or Tab moves on) → Ctrl+Enter submits.
// Clicking the map sets the caller's place; open incidents nearby are offered as the same event.
import { ApiError, get, post } from '../core/api.js';
import { emit, on } from '../core/bus.js';
import { debounce, fill, h, setText } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { now } from '../core/format.js';
import { district as districtName, districtCodes } from '../core/labels.js';
import { putIncident, state } from '../core/store.js';
import { toastError, toastInfo, toastWarning } from '../core/toast.js';
import { panTo, setPickHandler, showPickedPoint } from '../map/map.js';
import {
  addressSuggestions, categoryLabel, exactCategory, lookupCategory, priorityText, renderCategory,
} from './call-lookups.js';
import { callerHistory } from './caller-history.js';
import { duplicatesPanel } from './duplicates.js';
import { attachSuggestions } from './suggest.js';
import { altDigit, matches } from '../core/shortcuts.js';

const FIELD_INPUTS = {
  caller_phone: 'phone', address: 'address', lat: 'address', lon: 'address', category_code: 'category',
  text: 'text', caller_name: 'name', caller_iin: 'iin', district: 'district',
};

function fillDistricts(select) {
  const codes = new Set([...districtCodes(), ...[...state.units.values()].map((u) => u.district)]);
  const chosen = select.value;
  select.replaceChildren(...[...codes].sort().map((code) => h('option', { value: code }, districtName(code))));
  if (codes.has(chosen)) select.value = chosen;
}

export function callView() {
  const inputs = {
    phone: h('input', { type: 'tel', testid: 'call-phone', autocomplete: 'off', 'data-t-placeholder': 'call.phone_placeholder' }),
    address: h('input', { testid: 'call-address', 'data-t-placeholder': 'call.address_placeholder' }),
    category: h('input', { testid: 'call-category', 'data-t-placeholder': 'call.category_placeholder' }),
    text: h('textarea', { testid: 'call-text', rows: 4 }),
    name: h('input', { testid: 'call-name', autocomplete: 'off' }),
    iin: h('input', { testid: 'call-iin', inputmode: 'numeric', maxlength: 12, autocomplete: 'off' }),
    district: h('select', { testid: 'call-district' }),
  };
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'call-submit' }, h('span', { 'data-t': 'call.submit' }), h('kbd', null, 'Ctrl+Enter'));
  const clearButton = h('button', { type: 'button', testid: 'call-clear', 'data-t': 'call.clear', onclick: () => reset(true) });
  const pointInfo = h('span', { class: 'point-info', testid: 'call-point' });
  // Where the point lies decides the incident's district, whoever takes the call: shown before submitting.
  const pointDistrict = h('span', { class: 'point-district', testid: 'call-point-district' });
  const pointClear = h('button', { type: 'button', class: 'link', tabindex: -1, 'data-t': 'call.point_clear', onclick: () => setPoint(null, null) });
  const categoryInfo = h('span', { class: 'category-info', testid: 'call-category-chosen' });
  const linkInfo = h('div', { class: 'link-info', testid: 'call-link', hidden: true });
  const lastInfo = h('div', { class: 'last-call', testid: 'call-last' });
  // Asked before an appeal goes without a point: such an incident cannot be offered a unit.
  const noPointAsk = h('div', { class: 'no-point-ask', role: 'alertdialog', testid: 'call-no-point', hidden: true },
    h('p', { 'data-t': 'call.no_point_question' }),
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'danger', testid: 'call-no-point-register', onclick: () => send({ withoutPoint: true }) },
        h('span', { 'data-t': 'call.no_point_register' }), h('kbd', null, 'Ctrl+Enter')),
      h('button', { type: 'button', testid: 'call-no-point-back', 'data-t': 'call.no_point_back', onclick: () => backToAddress() })));

  const draft = { lat: null, lon: null, district: undefined, category: null, linked: null, startedAt: null };

  const pastCalls = callerHistory();
  const duplicates = duplicatesPanel((incident) => {
    draft.linked = incident;
    linkInfo.hidden = !incident;
    linkInfo.textContent = incident ? t('call.linking', { number: incident.number }) : '';
  });

  const addressSuggest = addressSuggestions(inputs.address, {
    testid: 'address-suggestions',
    onPick: (item) => {
      inputs.address.value = item.label;
      setPoint(item.lat, item.lon);
      panTo(item.lat, item.lon, 16);
    },
  });
  const categorySuggest = attachSuggestions(inputs.category, {
    testid: 'category-suggestions',
    lookup: lookupCategory,
    render: renderCategory,
    delay: 0,
    pickOnTab: true,
    onPick: (category) => setCategory(category),
  });

  const field = (labelKey, input, ...extra) =>
    h('label', { class: 'field' }, h('span', { 'data-t': labelKey }), input, ...extra);
  // Region-wide staff (no district of their own) say which district the appeal belongs to.
  const districtRow = field('call.district', inputs.district);
  districtRow.hidden = Boolean(state.user?.district);

  const form = h(
    'form',
    { class: 'call-form', testid: 'call-form', novalidate: true },
    field('call.phone', inputs.phone),
    pastCalls.el,
    h('div', { class: 'field-wrap' }, field('call.address', inputs.address), addressSuggest.list,
      h('div', { class: 'field-note' }, pointInfo, pointDistrict, pointClear, h('span', { class: 'hint', 'data-t': 'call.map_hint' }))),
    h('div', { class: 'field-wrap' }, field('call.category', inputs.category), categorySuggest.list, h('div', { class: 'field-note' }, categoryInfo)),
    field('call.text', inputs.text),
    linkInfo,
    noPointAsk,
    h('div', { class: 'form-actions' }, submit, clearButton),
    h('fieldset', { class: 'optional' }, h('legend', { 'data-t': 'call.caller' }), h('div', { class: 'row2' }, field('call.name', inputs.name), field('call.iin', inputs.iin)), districtRow),
  );
  const el = h('div', { class: 'view view-call', testid: 'call-view' },
    h('div', { class: 'view-head' }, h('h2', { 'data-t': 'call.title' })), form, duplicates.el, lastInfo);

  function setPoint(lat, lon) {
    draft.lat = lat;
    draft.lon = lon;
    if (lat !== null) noPointAsk.hidden = true;
    draft.district = undefined;
    renderPoint();
    askDistrict(lat, lon);
    showPickedPoint(lat, lon);
    askDuplicates();
  }

  function renderPoint() {
    const has = draft.lat !== null;
    setText(pointInfo, has ? `${draft.lat.toFixed(5)}, ${draft.lon.toFixed(5)}` : t('call.no_point'));
    pointClear.hidden = !has;
    const known = has && draft.district !== undefined;
    setText(pointDistrict, known ? (draft.district ? t('call.point_district', { district: districtName(draft.district) }) : t('call.point_no_district')) : '');
    pointDistrict.dataset.district = known ? draft.district ?? '' : '';
  }

  async function askDistrict(lat, lon) {
    if (lat === null) return;
    try {
      const answer = await get(`/api/v1/geo/district?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`);
      if (draft.lat !== lat || draft.lon !== lon) return;
      draft.district = answer.district;
      renderPoint();
    } catch (error) {
      toastError(error);
    }
  }

  function setCategory(category) {
    draft.category = category;
    if (category) inputs.category.value = categoryLabel(category);
    setText(categoryInfo, category ? `${category.code} · ${priorityText(category.priority)}` : '');
    categoryInfo.className = `category-info${category ? ` prio-text-${category.priority}` : ''}`;
    askDuplicates();
  }

  const askDuplicates = debounce(async () => {
    if (draft.lat === null || !draft.category) {
      duplicates.set([]);
      return;
    }
    try {
      const found = await post('/api/v1/appeals/duplicates', { lat: draft.lat, lon: draft.lon, category_code: draft.category.code });
      duplicates.set(found);
    } catch (error) {
      if (error.status !== 403) toastError(error);
    }
  }, 300);

  async function pickOnMap(lat, lon) {
    setPoint(lat, lon);
    try {
      const place = await get(`/api/v1/geo/reverse?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`);
      if (draft.lat === lat && draft.lon === lon) inputs.address.value = place.label;
    } catch (error) {
      if (error.status !== 404) toastError(error);
    }
  }

  function markInvalid(error) {
    for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
    let first = null;
    for (const e of error instanceof ApiError ? error.fieldErrors : []) {
      const input = inputs[FIELD_INPUTS[e.field]];
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        first ??= input;
      }
    }
    first?.focus();
  }

  function backToAddress() {
    noPointAsk.hidden = true;
    inputs.address.focus();
  }

  async function send({ withoutPoint = false } = {}) {
    if (!draft.category) {
      const typed = exactCategory(inputs.category.value);
      if (typed) setCategory(typed);
    }
    if (!draft.category) {
      toastInfo(t('call.choose_category'));
      inputs.category.setAttribute('aria-invalid', 'true');
      inputs.category.focus();
      return;
    }
    if (draft.lat === null && !withoutPoint && noPointAsk.hidden) {
      noPointAsk.hidden = false; // a second Ctrl+Enter, or the button, registers it anyway
      noPointAsk.querySelector('[data-testid="call-no-point-register"]').focus();
      return;
    }
    noPointAsk.hidden = true;
    const body = {
      caller_phone: inputs.phone.value.trim(),
      text: inputs.text.value.trim(),
      category_code: draft.category.code,
      address: inputs.address.value.trim() || null,
      lat: draft.lat,
      lon: draft.lon,
      caller_name: inputs.name.value.trim() || null,
      caller_iin: inputs.iin.value.replace(/\s/g, '') || null,
      received_at: draft.startedAt ? new Date(draft.startedAt).toISOString() : null,
      incident_id: draft.linked?.id ?? null,
    };
    if (!districtRow.hidden && inputs.district.value) body.district = inputs.district.value;
    submit.disabled = true;
    try {
      const answer = await post('/api/v1/appeals', body);
      putIncident(answer.incident);
      const key = answer.new_incident ? 'call.registered_new' : 'call.registered_linked';
      toastInfo(t(key, { appeal: answer.appeal.number, incident: answer.incident.number }));
      if (answer.placed_by_address) toastInfo(t('call.placed_by_address', { label: answer.placed_by_address }));
      else if (answer.incident.lat === null) toastWarning(t('call.registered_no_point', { incident: answer.incident.number }));
      showLast(answer);
      reset(true);
    } catch (error) {
      toastError(error);
      markInvalid(error);
    } finally {
      submit.disabled = false;
    }
  }

  function showLast(answer) {
    fill(
      lastInfo,
      h('span', null, t('call.last', { appeal: answer.appeal.number, incident: answer.incident.number })),
      ' ',
      h('button', { type: 'button', class: 'link', tabindex: -1, onclick: () => emit('open-incident', answer.incident.id) }, t('call.open_card')),
      answer.duplicates.length && answer.new_incident ? h('span', { class: 'hint' }, ` ${t('call.possible_duplicates', { count: answer.duplicates.length })}`) : null,
    );
  }

  function reset(focus) {
    const chosenDistrict = inputs.district.value;
    form.reset();
    inputs.district.value = chosenDistrict;
    for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
    addressSuggest.clear();
    categorySuggest.clear();
    draft.startedAt = null;
    draft.linked = null;
    linkInfo.hidden = true;
    noPointAsk.hidden = true;
    duplicates.reset();
    pastCalls.reset();
    setCategory(null);
    setPoint(null, null);
    askDuplicates.cancel();
    if (focus) inputs.phone.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  form.addEventListener('input', () => {
    draft.startedAt ??= now();
  });
  // The caller's earlier appeals, once the typed phone pauses on a whole number (caller-history.js).
  inputs.phone.addEventListener('input', () => pastCalls.phoneChanged(inputs.phone.value));
  inputs.category.addEventListener('input', () => {
    if (draft.category && inputs.category.value !== categoryLabel(draft.category)) setCategory(null);
  });
  // Enter moves on to the next field (after a suggestion list took its pick); only Ctrl+Enter submits.
  const order = [inputs.phone, inputs.address, inputs.category, inputs.text, inputs.name, inputs.iin, inputs.district];
  const nextField = (from) => order.slice(order.indexOf(from) + 1).find((input) => !input.closest('[hidden]'));
  form.addEventListener('keydown', (event) => {
    if (matches('call-submit', event)) {
      event.preventDefault();
      send();
    } else if (matches('call-next', event) && order.includes(event.target) && event.target !== inputs.text) {
      event.preventDefault();
      nextField(event.target)?.focus();
    } else if (matches('call-duplicate', event)) {
      if (duplicates.toggle(altDigit(event) - 1)) event.preventDefault();
    }
  });

  reset(false);
  applyTexts(el);
  on('snapshot', () => districtRow.hidden || fillDistricts(inputs.district));

  return {
    el,
    show(arg) {
      if (!districtRow.hidden) fillDistricts(inputs.district);
      setPickHandler(pickOnMap);
      showPickedPoint(draft.lat, draft.lon);
      if (arg?.hotkey && !inputs.phone.value && !inputs.text.value) reset(false);
      if (arg?.hotkey || !el.contains(document.activeElement)) inputs.phone.focus();
    },
    hide() {
      setPickHandler(null);
      showPickedPoint(null, null);
    },
    relabel() {
      applyTexts(el);
      if (!districtRow.hidden) fillDistricts(inputs.district);
      renderPoint();
      if (draft.category) {
        inputs.category.value = categoryLabel(draft.category);
        setText(categoryInfo, `${draft.category.code} · ${priorityText(draft.category.priority)}`);
      }
      duplicates.render();
      pastCalls.render();
      if (draft.linked) linkInfo.textContent = t('call.linking', { number: draft.linked.number });
    },
  };
}
