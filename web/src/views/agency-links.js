// The supervisor's panel of agency links (101, 103, 104, 112): each link's state (up, degraded, down since …),
// the messages waiting for it, its oldest unacknowledged hand-over (the incident opens its card) and, when the
// link is down, the service's phone. The server computes the state when asked (no live event carries it), so
// the panel asks GET /api/v1/agencies/health every few seconds while it is on screen.
import { emit } from '../core/bus.js';
import { h } from '../core/dom.js';
import { locale, t, tOr } from '../core/i18n.js';
import { formatDateTime, now, parseTime } from '../core/format.js';
import { polledPanel } from './polled-panel.js';

const REFRESH_MS = 5000; // as often as an agency is asked to send its heartbeat
const SEVERITY = { down: 0, degraded: 1, up: 2, disabled: 3 };

const linkName = (link) => link.names?.[locale()] || link.names?.ru || Object.values(link.names ?? {})[0] || link.agency;

function stateLine(link) {
  const parts = [h('span', { class: `link-state link-state-${link.state}`, testid: 'link-state' }, tOr(`links.state_${link.state}`, link.state))];
  if (link.state === 'down') {
    parts.push(h('small', { class: 'link-since', testid: 'link-since' },
      link.since ? t('links.since', { time: formatDateTime(link.since) }) : t('links.never_heard')));
  }
  const reasons = link.reasons.filter((r) => !['disabled', 'no_heartbeat', 'heartbeat_missed'].includes(r));
  if (reasons.length) parts.push(h('small', { class: 'link-reasons' }, reasons.map((r) => tOr(`links.reason_${r}`, r)).join(', ')));
  return h('div', { class: 'link-line' }, h('b', { class: 'link-name' }, linkName(link)), ...parts);
}

export function agencyLinksPanel() {
  const list = h('ul', { class: 'agency-links', testid: 'agency-links' });
  const el = h('div', { class: 'agency-links-box' }, list);
  const ages = [];

  const row = (link) => {
    const waiting = [t('links.waiting', { n: link.messages_waiting })]; // hand-overs and public alerts (CAP)
    if (link.alerts_waiting) waiting.push(t('links.alerts_waiting', { n: link.alerts_waiting }));
    if (link.messages_failing) waiting.push(t('links.failing', { n: link.messages_failing }));
    const incident = link.oldest_unacknowledged_incident;
    let oldest = h('span', { class: 'muted' }, t('links.all_acknowledged'));
    if (incident) {
      const age = h('span', { class: 'timer timer-warn link-age', testid: 'link-oldest-age' });
      const since = parseTime(link.oldest_unacknowledged_at);
      if (since !== null) ages.push([age, since]);
      oldest = h('span', { class: 'link-oldest' },
        t('links.oldest'), ' ',
        h('button', {
          type: 'button', class: 'link', testid: 'link-oldest-incident', dataset: { incidentId: incident.id },
          onclick: () => emit('open-incident', incident.id),
        }, incident.number),
        link.unacknowledged_handovers > 1 ? h('small', null, ` ${t('links.more', { n: link.unacknowledged_handovers - 1 })}`) : null,
        ' ', age);
    }
    return h('li', { class: `link-row link-row-${link.state}`, testid: 'agency-link', dataset: { agency: link.agency, state: link.state } },
      stateLine(link),
      h('div', { class: 'link-line' },
        h('span', { testid: 'link-waiting', dataset: { waiting: link.messages_waiting, alerts: link.alerts_waiting ?? 0, failing: link.messages_failing } }, waiting.join(' · ')),
        oldest),
      link.state === 'down' && link.contact_phone
        ? h('div', { class: 'link-phone', testid: 'link-phone' }, t('links.phone', { phone: link.contact_phone }))
        : null);
  };

  const render = (answer, failed) => {
    const links = answer?.links ?? null;
    if (links === null) {
      list.replaceChildren(h('li', { class: 'empty' }, t(failed ? 'links.unavailable' : 'links.loading')));
      return;
    }
    if (!links.length) {
      list.replaceChildren(h('li', { class: 'empty' }, t('links.none')));
      return;
    }
    const sorted = [...links].sort((a, b) => (SEVERITY[a.state] ?? 9) - (SEVERITY[b.state] ?? 9) || linkName(a).localeCompare(linkName(b)));
    list.replaceChildren(...sorted.map(row));
    list.dataset.loadedAt = String(now());
    if (failed) list.append(h('li', { class: 'hint', testid: 'links-stale' }, t('links.unavailable')));
  };

  const panel = polledPanel({ path: '/api/v1/agencies/health', every: REFRESH_MS, label: 'agency links', ages, render });
  return { el, show: panel.show, hide: panel.hide, relabel: panel.relabel };
}
