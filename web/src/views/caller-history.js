// The caller's history on the call form: earlier appeals from the phone being typed, asked for once the typing
// pauses on a whole number; it never takes the focus and never holds the keyboard call up.
import { get } from '../core/api.js';
import { emit } from '../core/bus.js';
import { debounce, fill, h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { formatDateTime } from '../core/format.js';
import { categoryName, incidentStatus } from '../core/labels.js';

const DELAY_MS = 400;
const SHOWN = 5;
// A Kazakh number has 11 digits (+7 7xx …); shorter input is still being typed.
const wholeEnough = (phone) => phone.replace(/\D/g, '').length >= 11;

export function callerHistory() {
  const list = h('ul', { class: 'caller-history-list' });
  const el = h('div', { class: 'caller-history', testid: 'caller-history', hidden: true, 'aria-live': 'polite' },
    h('div', { class: 'caller-history-head' }), list);
  let asked = '';
  let found = [];

  function render() {
    el.hidden = found.length === 0;
    if (!found.length) return;
    el.firstChild.textContent = t('call.history', { n: found.length });
    fill(list, found.slice(0, SHOWN).map((a) => h('li', { testid: 'caller-history-item', dataset: { incidentId: a.incident_id } },
      h('span', { class: 'hint' }, formatDateTime(a.received_at)), ' ',
      h('button', { type: 'button', class: 'link', tabindex: -1, onclick: () => emit('open-incident', a.incident_id) }, a.incident_number), ' ',
      h('span', null, categoryName(a.incident_category_code)), ' · ',
      h('span', { class: `status status-${a.incident_status}` }, incidentStatus(a.incident_status)),
      a.address ? h('small', { class: 'hint' }, ` · ${a.address}`) : null)));
  }

  const lookup = debounce(async (phone) => {
    try {
      const answer = await get(`/api/v1/appeals/history?phone=${encodeURIComponent(phone)}&limit=${SHOWN}`);
      if (phone !== asked) return; // the number changed meanwhile
      found = answer;
      render();
    } catch {
      // A number still wrong (422) has no history yet; the call goes on without it.
      if (phone === asked) {
        found = [];
        render();
      }
    }
  }, DELAY_MS);

  return {
    el,
    /** The phone field changed: ask again once typing pauses on a whole number. */
    phoneChanged(value) {
      const phone = value.trim();
      if (phone === asked) return;
      asked = phone;
      found = [];
      render();
      if (wholeEnough(phone)) lookup(phone);
      else lookup.cancel();
    },
    reset() {
      asked = '';
      found = [];
      lookup.cancel();
      render();
    },
    render,
  };
}
