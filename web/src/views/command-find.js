// FIND on the command line: the incident search (GET /api/v1/incidents/search) by phone, number or words, and
// the list of what it found above the line, each row opening its card (a closed incident's too).
import { get } from '../core/api.js';
import { findCriteria } from '../core/commands.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { categoryName, incidentStatus } from '../core/labels.js';
import { formatDateTime } from '../core/format.js';
import { matches } from '../core/shortcuts.js';

const LIMIT = 20;

/** The incidents the query names, newest first as the search gives them. */
export async function findIncidents(query) {
  const params = new URLSearchParams({ ...findCriteria(query), limit: String(LIMIT) });
  const page = await get(`/api/v1/incidents/search?${params}`);
  return page.items;
}

/** The found incidents as buttons; ↑/↓ move between them, Enter or a click opens one. */
export function foundList(incidents, onOpen) {
  const buttons = incidents.map((incident) => h(
    'button',
    {
      type: 'button',
      class: 'cmd-hit',
      testid: 'command-found',
      dataset: { incidentId: incident.id, status: incident.status },
      onclick: () => onOpen(incident),
    },
    h('b', null, incident.number),
    h('span', { class: `status status-${incident.status}` }, incidentStatus(incident.status)),
    h('span', null, categoryName(incident.category_code)),
    h('small', null, [incident.address, formatDateTime(incident.received_at)].filter(Boolean).join(' · ')),
  ));
  const list = h('div', { class: 'cmd-hits', role: 'list', 'aria-label': t('cmd.found') }, buttons);
  list.addEventListener('keydown', (event) => {
    const at = buttons.indexOf(event.target);
    if (at < 0 || !matches('list-move', event)) return;
    event.preventDefault();
    buttons[(at + (event.key === 'ArrowDown' ? 1 : -1) + buttons.length) % buttons.length].focus();
  });
  return list;
}
