// Keeps the store in step with the server: the snapshot at start (and after a reset), then live events.
// Public alerts are not in the store: an 'alert' event has the alerts in force read again (core/alerts.js).
import { refreshAlerts } from './alerts.js';
import { get } from './api.js';
import { emit } from './bus.js';
import { can, setTargets } from './domain.js';
import { startLive } from './live.js';
import {
  movePositions, noteAssignments, patchUnit, putIncident, setIncidents, setPositions, setUnitIncident, setUnits,
  state,
} from './store.js';

const REFETCH_DELAY_MS = 150;
const MANY = 25; // more changed incidents than this at once: reload the whole queue instead

let pendingIncidents = new Set();
let pendingUnits = false;
let refetchTimer = null;
let live = null;

export async function loadSnapshot() {
  const readIncidents = can(state.user, 'readIncidents');
  const [incidents, units, positions, settings] = await Promise.all([
    readIncidents ? get('/api/v1/incidents') : Promise.resolve([]),
    get('/api/v1/units'),
    get('/api/v1/units/positions'),
    get('/api/v1/console/settings').catch(() => null), // roles without the floor keep the defaults
  ]);
  if (settings) {
    setTargets(settings.response_target_minutes, settings.overdue_dispatch_minutes, settings.overdue_arrival_minutes);
    state.staleAfterS = settings.position_stale_seconds;
  }
  setIncidents(incidents);
  setUnits(units);
  setPositions(positions);
  emit('snapshot', null);
}

async function head() {
  const answer = await get('/api/v1/live/head');
  return Number(answer.seq);
}

/** Head, snapshot, then the feed from that seq. If the feed is not there yet, it is retried quietly. */
export async function startSync(onUnauthorized) {
  let seq = null;
  try {
    seq = await head();
  } catch (error) {
    if (error.status === 401) throw error;
  }
  await loadSnapshot();
  live = startLive({
    initialSeq: seq,
    prepare: async () => {
      const fresh = await head();
      await loadSnapshot();
      refreshAlerts(); // what was missed may have been an alert too
      return fresh;
    },
    onEvent: handleEvent,
    onUnauthorized,
  });
}

export function stopSync() {
  live?.stop();
  live = null;
  clearTimeout(refetchTimer);
  pendingIncidents = new Set();
}

function handleEvent(kind, data) {
  if (!data) return;
  switch (kind) {
    case 'incident':
    case 'appeal':
      scheduleIncident(data.incident_id);
      break;
    case 'assignment':
      if (data.unit_id !== undefined) {
        setUnitIncident(data.unit_id, ['cleared', 'cancelled'].includes(data.status) ? null : data.incident_id);
      }
      scheduleIncident(data.incident_id);
      break;
    case 'unit':
      if (data.incident_id !== undefined) setUnitIncident(data.unit_id, data.incident_id);
      if (!patchUnit(data.unit_id, { status: data.status, on_duty: data.status !== 'off_duty' })) scheduleUnits();
      break;
    case 'positions':
      movePositions(data.positions ?? []);
      break;
    case 'alert':
      refreshAlerts();
      break;
    case 'camera_health': // a camera went silent or is back (the whole region's)
      emit('camera-health', data);
      break;
    default:
      break;
  }
}

function scheduleIncident(id) {
  if (id === null || id === undefined) return;
  pendingIncidents.add(id);
  scheduleRefetch();
}

function scheduleUnits() {
  pendingUnits = true;
  scheduleRefetch();
}

function scheduleRefetch() {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(refetch, REFETCH_DELAY_MS);
}

async function refetch() {
  const ids = pendingIncidents;
  const units = pendingUnits;
  pendingIncidents = new Set();
  pendingUnits = false;
  try {
    if (units) setUnits(await get('/api/v1/units'));
    if (ids.size > MANY) {
      setIncidents(await get('/api/v1/incidents'));
      for (const id of ids) emit('incident-changed', { id, card: null });
      return;
    }
    await Promise.all([...ids].map(refetchIncident));
  } catch (error) {
    console.debug('refetch failed', error?.message ?? error);
  }
}

/** Fetch one incident's card, update the queue with it, and hand the card to whoever shows it. */
export async function refetchIncident(id) {
  try {
    const card = await get(`/api/v1/incidents/${id}`);
    noteAssignments(id, card.assignments);
    putIncident(card.incident);
    emit('incident-changed', { id, card });
    return card;
  } catch (error) {
    if (error.status === 404 || error.status === 403) {
      putIncident({ id, status: 'closed', merged_into_id: null, stamps: {} });
      emit('incident-changed', { id, card: null });
      return null;
    }
    throw error;
  }
}
