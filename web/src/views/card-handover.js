// The card's Services section: the incident's hand-overs to other services (101, 103, 104, 112) with their state,
// the service's own times and ours, an overdue one marked with the service's phone; the services the category
// proposes, each with a hand-over button (Alt+H takes the first), and a chooser for any other service. A live
// hand-over (not rejected, closed or cancelled) can be cancelled with a reason, which the service is sent.
import { noteHandovers } from '../core/alarm.js';
import { get, post } from '../core/api.js';
import { h } from '../core/dom.js';
import { locale, t } from '../core/i18n.js';
import { formatTime } from '../core/format.js';
import { keysOf } from '../core/shortcuts.js';
import { toastError, toastInfo } from '../core/toast.js';
import { actionForm } from './action-form.js';

const OVER = ['rejected', 'closed', 'cancelled']; // the hand-over's end: the service is told nothing more

const names = new Map(); // agency code → its names {ru, kk, en}
let enabled = null; // the codes of the enabled agencies taking hand-overs, once listed
const HANDOVER_FORMATS = ['eido', 'kuzet']; // an agency taking only 'cap' is sent our public alerts, no hand-over

/** A service's name in the chosen language (its code while unknown). */
export function agencyName(code) {
  const known = names.get(code);
  return known ? known[locale()] || known.ru || code : code;
}

async function listAgencies() {
  if (enabled) return enabled;
  const agencies = await get('/api/v1/agencies');
  for (const agency of agencies) names.set(agency.code, agency.names);
  enabled = agencies.filter((a) => a.enabled && (a.formats ?? []).some((f) => HANDOVER_FORMATS.includes(f))).map((a) => a.code);
  return enabled;
}

/** The incident's hand-overs and the proposed services; the desk's alarm learns their deadlines. */
export async function fetchHandovers(incidentId) {
  const listing = await get(`/api/v1/incidents/${incidentId}/handovers`);
  for (const handover of listing.handovers) names.set(handover.agency, handover.agency_name);
  noteHandovers(incidentId, listing.handovers);
  if (listing.proposed_agencies.some((code) => !names.has(code))) await listAgencies().catch(() => null);
  return listing;
}

/** Hand the incident over to a service (the card refreshes from the live feed and from here). */
export async function handOver(ctx, code) {
  try {
    await post(`/api/v1/incidents/${ctx.incident.id}/handovers`, { agency: code });
    toastInfo(t('handover.sent', { agency: agencyName(code) }));
    ctx.refresh();
  } catch (error) {
    toastError(error);
  }
}

/** The latest answer of the service on a hand-over, from the card's timeline: its time and our receipt. */
function lastAnswer(card, ref) {
  for (let i = card.timeline.length - 1; i >= 0; i -= 1) {
    const entry = card.timeline[i];
    if (entry.data?.ref === ref && entry.data.agency_at) return entry.data;
  }
  return null;
}

/** Cancel a live hand-over: the operator gives the reason, the service is sent it. */
function cancelControl(ctx, handover) {
  if (!ctx.canDispatch || OVER.includes(handover.state)) return null;
  const key = `h:cancel:${handover.agency}`;
  const agency = agencyName(handover.agency);
  const spec = {
    build: ({ onClose }) => actionForm({
      title: t('handover.cancel_title', { agency }),
      reason: true,
      reasonLabel: 'handover.cancel_reason',
      onClose,
      async onConfirm({ reason }) {
        try {
          await post(`/api/v1/incidents/${ctx.incident.id}/handovers/${handover.agency}/cancel`, { reason });
          toastInfo(t('handover.cancelled', { agency }));
          ctx.refresh();
        } catch (error) {
          toastError(error);
          throw error;
        }
      },
    }),
  };
  return [
    ' ',
    h('button', {
      type: 'button', class: 'link', testid: 'handover-cancel', 'aria-expanded': String(ctx.formKey === key),
      onclick: () => ctx.openForm(key, spec),
    }, t('handover.cancel')),
    ctx.formKey === key ? ctx.formEl : null,
  ];
}

function handoverRow(ctx, handover) {
  const { card } = ctx;
  const answer = lastAnswer(card, handover.ref);
  const times = [t('handover.requested_at', { time: formatTime(handover.requested_at) })];
  if (answer) {
    times.push(t('handover.agency_at', { time: formatTime(answer.agency_at) }));
    times.push(t('handover.received_at', { time: formatTime(answer.received_at) }));
  }
  return h('li', { class: `handover handover-${handover.state}`, testid: 'handover', dataset: { agency: handover.agency, state: handover.state } },
    h('strong', null, agencyName(handover.agency)), ' ',
    h('span', { class: 'badge', testid: 'handover-state' }, t(`handover.state.${handover.state}`)),
    handover.reason ? h('span', { class: 'handover-reason' }, ` · ${handover.reason}`) : null,
    handover.units.length ? h('span', { class: 'handover-units' }, ` · ${handover.units.join(', ')}`) : null,
    h('small', { class: 'handover-times' }, ` · ${times.join(' · ')}`),
    handover.overdue
      ? h('div', { class: 'badge badge-alarm', testid: 'handover-overdue' }, t('handover.overdue', { phone: handover.contact_phone }))
      : null,
    cancelControl(ctx, handover));
}

function chooser(ctx, listing) {
  const busy = new Set([...listing.proposed_agencies,
    ...listing.handovers.filter((x) => !OVER.includes(x.state)).map((x) => x.agency)]);
  const select = h('select', { testid: 'handover-choose', 'aria-label': t('handover.choose') },
    h('option', { value: '' }, t('handover.other')));
  const fillOptions = (codes) => {
    for (const code of codes) if (!busy.has(code)) select.append(h('option', { value: code }, agencyName(code)));
  };
  if (enabled) fillOptions(enabled);
  else select.addEventListener('focus', () => listAgencies().then(fillOptions, toastError), { once: true });
  const send = h('button', { type: 'button', testid: 'handover-other-send', onclick: () => select.value && handOver(ctx, select.value) },
    t('handover.confirm'));
  return h('span', { class: 'handover-chooser' }, select, ' ', send);
}

/** The Services section; `listing` is the last answer of fetchHandovers (null while loading). */
export function servicesSection(ctx, listing) {
  if (!listing) return null;
  const rows = listing.handovers.map((handover) => handoverRow(ctx, handover));
  const actions = ctx.canDispatch
    ? listing.proposed_agencies.map((code, i) => h('button', {
        type: 'button', class: 'primary', testid: 'handover-send', dataset: { agency: code }, onclick: () => handOver(ctx, code),
      }, t('handover.send', { agency: agencyName(code) }), i === 0 ? h('kbd', null, keysOf('card-handover')) : null))
    : [];
  return h('section', { class: 'card-section', testid: 'services' },
    h('div', { class: 'section-title' }, t('card.services')),
    rows.length ? h('ul', { class: 'handovers' }, rows) : h('div', { class: 'muted' }, t('handover.none')),
    ctx.canDispatch ? h('div', { class: 'handover-actions' }, ...actions, chooser(ctx, listing)) : null);
}
