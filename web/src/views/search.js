// Search (F7): open and closed incidents by number, caller's phone, address and words, with period, district,
// category and status; the recently closed ones while nothing is asked. A closed incident opens read-only.
import { ApiError, get } from '../core/api.js';
import { emit, on } from '../core/bus.js';
import { can, INCIDENT_STATUSES } from '../core/domain.js';
import { fill, h, setText } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { formatDateTime } from '../core/format.js';
import { categoryName, district as districtName, districtCodes, incidentStatus } from '../core/labels.js';
import { state } from '../core/store.js';
import { toastError } from '../core/toast.js';
import { categoryLabel } from './call-lookups.js';

const PAGE = 30;
const FINAL = new Set(['closed', 'cancelled']);
const FIELD_INPUTS = { q: 'q', number: 'number', phone: 'phone', address: 'address', from: 'from', to: 'to', district: 'district', category: 'category', status: 'status' };

/** An ISO moment of the start of a calendar day in Almaty (the day typed in a date field). */
function almatyDayStart(day, plusDays = 0) {
  const [y, m, d] = day.split('-').map(Number);
  const utcMidnight = Date.UTC(y, m - 1, d + plusDays);
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Almaty', timeZoneName: 'longOffset' })
    .formatToParts(utcMidnight).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT+05:00';
  const offset = name === 'GMT' ? '+00:00' : name.slice(3);
  const date = new Date(utcMidnight).toISOString().slice(0, 10);
  return `${date}T00:00:00${offset}`;
}

export function searchView() {
  const mayFindPhones = can(state.user, 'seePhones');
  const inputs = {
    number: h('input', { testid: 'search-number', autocomplete: 'off', 'data-t-placeholder': 'search.number_placeholder' }),
    phone: mayFindPhones ? h('input', { type: 'tel', testid: 'search-phone', autocomplete: 'off', 'data-t-placeholder': 'call.phone_placeholder' }) : null,
    address: h('input', { testid: 'search-address', autocomplete: 'off' }),
    q: h('input', { testid: 'search-text', autocomplete: 'off', 'data-t-placeholder': 'search.text_placeholder' }),
    from: h('input', { type: 'date', testid: 'search-from' }),
    to: h('input', { type: 'date', testid: 'search-to' }),
    district: h('select', { testid: 'search-district' }),
    category: h('select', { testid: 'search-category' }),
    status: h('select', { testid: 'search-status' }),
  };
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'search-submit' }, h('span', { 'data-t': 'search.submit' }), h('kbd', null, 'Enter'));
  const clearButton = h('button', { type: 'button', testid: 'search-clear', 'data-t': 'search.clear', onclick: () => clear() });
  const heading = h('h3', { class: 'search-heading', testid: 'search-heading' });
  const list = h('div', { class: 'search-list', testid: 'search-results', role: 'list' });
  const more = h('button', { type: 'button', class: 'link', testid: 'search-more', hidden: true, 'data-t': 'search.more', onclick: () => run(cursor) });

  const field = (labelKey, input) => (input ? h('label', { class: 'field' }, h('span', { 'data-t': labelKey }), input) : null);
  const districtField = field('search.district', inputs.district);
  districtField.hidden = Boolean(state.user?.district); // district staff search their own district only
  const form = h('form', { class: 'search-form', testid: 'search-form', novalidate: true },
    h('div', { class: 'row2' }, field('search.number', inputs.number), field('search.phone', inputs.phone)),
    h('div', { class: 'row2' }, field('search.address', inputs.address), field('search.text', inputs.q)),
    h('div', { class: 'row2' }, field('search.from', inputs.from), field('search.to', inputs.to)),
    h('div', { class: 'row3' }, districtField, field('search.category', inputs.category), field('search.status', inputs.status)),
    h('div', { class: 'form-actions' }, submit, clearButton));
  const el = h('div', { class: 'view view-search', testid: 'search-view' },
    h('div', { class: 'view-head' }, h('h2', { 'data-t': 'search.title' })), form, heading, list, more);

  let cursor = null;
  let shown = []; // the hits listed, kept to re-render on a change of language
  let mode = 'recent';
  let asked = 0; // the latest request wins

  function fillSelects() {
    const keep = (select, options) => {
      const chosen = select.value;
      select.replaceChildren(h('option', { value: '' }, t('search.any')), ...options);
      select.value = [...select.options].some((o) => o.value === chosen) ? chosen : '';
    };
    keep(inputs.district, districtCodes().sort().map((code) => h('option', { value: code }, districtName(code))));
    keep(inputs.category, [...state.categories].sort((a, b) => categoryLabel(a).localeCompare(categoryLabel(b)))
      .map((c) => h('option', { value: c.code }, categoryLabel(c))));
    keep(inputs.status, INCIDENT_STATUSES.map((s) => h('option', { value: s }, incidentStatus(s))));
  }

  function params() {
    const found = new URLSearchParams();
    for (const name of ['q', 'number', 'phone', 'address', 'district', 'category', 'status']) {
      const value = inputs[name]?.value.trim();
      if (value) found.set(name, value);
    }
    if (inputs.from.value) found.set('from', almatyDayStart(inputs.from.value));
    if (inputs.to.value) found.set('to', almatyDayStart(inputs.to.value, 1)); // the whole last day
    return found;
  }

  function row(hit) {
    const open = () => emit('open-incident', { id: hit.id, readOnly: FINAL.has(hit.status) });
    return h('div', {
      class: 'search-row', role: 'listitem', tabindex: 0, testid: 'search-row', dataset: { incidentId: hit.id, status: hit.status },
      onclick: open,
      onkeydown: (event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          open();
        } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault();
          (event.key === 'ArrowDown' ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling)?.focus();
        }
      },
    },
    h('span', { class: `prio prio-${hit.priority}` }, t('priority.short', { n: hit.priority })),
    h('span', { class: 'q-cell' }, h('span', { class: 'q-number', testid: 'search-row-number' }, hit.number),
      h('small', null, formatDateTime(hit.received_at))),
    h('span', { class: 'q-cell' }, h('span', null, categoryName(hit.category_code)),
      h('small', { class: 'q-where' }, hit.address || '—'),
      h('small', { class: 'hint' }, [hit.appeal_numbers.join(', '), hit.caller_phones.join(', ')].filter(Boolean).join(' · '))),
    h('span', { class: 'q-cell' }, h('span', { class: `status status-${hit.status}` }, incidentStatus(hit.status)),
      h('small', null, hit.closed_at ? t('search.closed_at', { at: formatDateTime(hit.closed_at) }) : districtName(hit.district))));
  }

  function render() {
    setText(heading, mode === 'recent' ? t('search.recently_closed') : t('search.found', { n: shown.length }));
    fill(list, shown.length ? shown.map(row) : h('p', { class: 'hint', testid: 'search-empty' }, t(mode === 'recent' ? 'search.none_closed' : 'search.nothing')));
    more.hidden = mode === 'recent' || !cursor;
  }

  function markInvalid(error) {
    for (const input of Object.values(inputs)) input?.removeAttribute('aria-invalid');
    for (const e of error instanceof ApiError ? error.fieldErrors : []) {
      inputs[FIELD_INPUTS[e.field]]?.setAttribute('aria-invalid', 'true');
    }
  }

  async function run(after = null) {
    const query = params();
    const ticket = ++asked;
    markInvalid(null);
    try {
      if ([...query.keys()].length === 0) {
        const recent = await get('/api/v1/incidents/recently-closed');
        if (ticket !== asked) return;
        mode = 'recent';
        shown = recent;
        cursor = null;
      } else {
        query.set('limit', String(PAGE));
        if (after) query.set('cursor', after);
        const page = await get(`/api/v1/incidents/search?${query}`);
        if (ticket !== asked) return;
        mode = 'found';
        shown = after ? [...shown, ...page.items] : page.items;
        cursor = page.next_cursor;
      }
      render();
    } catch (error) {
      if (ticket !== asked) return;
      toastError(error);
      markInvalid(error);
    }
  }

  function clear() {
    form.reset();
    run();
    inputs.number.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });

  applyTexts(el);
  on('snapshot', fillSelects);
  on('districts', fillSelects);

  return {
    el,
    show() {
      fillSelects();
      run(); // the recently closed list when nothing is asked, else the same search afresh
      inputs.number.focus();
    },
    relabel() {
      applyTexts(el);
      fillSelects();
      render();
    },
  };
}
