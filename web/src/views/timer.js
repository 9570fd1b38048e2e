// The response clock of an incident: time since received, coloured against the target, frozen on arrival.
import { setText } from '../core/dom.js';
import { timerLevel, WAITING_STATUSES } from '../core/domain.js';
import { formatDuration, now } from '../core/format.js';

/** Update a timer element for `incident` (needs receivedMs/onSceneMs from the store). */
export function renderTimer(el, incident) {
  if (incident.receivedMs === null || incident.receivedMs === undefined) {
    setText(el, '—');
    return;
  }
  const arrived = incident.onSceneMs !== null && incident.onSceneMs !== undefined;
  const seconds = ((arrived ? incident.onSceneMs : now()) - incident.receivedMs) / 1000;
  setText(el, formatDuration(seconds));
  // Waiting with no point on the map, nobody can be sent: overdue from the first second.
  const waiting = !arrived && WAITING_STATUSES.has(incident.status);
  const placeless = waiting && (incident.lat === null || incident.lat === undefined);
  const level = placeless ? 'over' : timerLevel(seconds, incident.priority, waiting);
  const state = arrived ? `done-${level}` : level;
  if (el.dataset.level !== state) {
    el.dataset.level = state;
    el.className = `timer timer-${level}${arrived ? ' timer-done' : ''}`;
  }
}
