// The console's picture of the floor: open incidents, units, their positions, the catalogue.
// Changes are announced on the bus: 'incidents' (a Set of changed ids, or null for all), 'units', 'positions'.
import { emit } from './bus.js';
import { OPEN_STATUSES } from './domain.js';
import { now, parseTime } from './format.js';

export const state = {
  user: null,
  incidents: new Map(), // id → IncidentOut (+ receivedMs), open ones only
  units: new Map(), // id → UnitOut
  unitIncident: new Map(), // unit id → incident id it works, as far as the console has learnt
  positions: new Map(), // unit id → {lat, lon, atMs, stale}
  categories: [],
  categoryByCode: new Map(),
  staleAfterS: 120, // KUZET_POSITION_STALE_SECONDS, read from /api/v1/console/settings
};

function withTimes(incident) {
  incident.receivedMs = parseTime(incident.stamps.received_at);
  incident.onSceneMs = parseTime(incident.stamps.first_on_scene_at);
  return incident;
}

export function isOpen(incident) {
  return OPEN_STATUSES.has(incident.status) && incident.merged_into_id === null;
}

export function setIncidents(list) {
  state.incidents = new Map(list.map((incident) => [incident.id, withTimes(incident)]));
  emit('incidents', null);
}

/** Put one incident fresh from the API into the queue, or take it out when it is no longer open. */
export function putIncident(incident) {
  if (isOpen(incident)) state.incidents.set(incident.id, withTimes(incident));
  else state.incidents.delete(incident.id);
  emit('incidents', new Set([incident.id]));
}

export function setUnits(list) {
  state.units = new Map(list.map((unit) => [unit.id, unit]));
  for (const unit of list) if ('incident_id' in unit) setUnitIncident(unit.id, unit.incident_id);
  emit('units', null);
}

export function patchUnit(unitId, changes) {
  const unit = state.units.get(unitId);
  if (!unit) return false;
  if (changes.status && changes.status !== unit.status) unit.status_since = new Date(now()).toISOString();
  Object.assign(unit, changes);
  emit('units', new Set([unitId]));
  return true;
}

export function setUnitIncident(unitId, incidentId) {
  if (incidentId === null || incidentId === undefined) state.unitIncident.delete(unitId);
  else state.unitIncident.set(unitId, incidentId);
}

/** Learn which units work an incident from its card's active assignments. */
export function noteAssignments(incidentId, assignments) {
  for (const assignment of assignments) {
    if (assignment.active) setUnitIncident(assignment.unit_id, incidentId);
    else if (state.unitIncident.get(assignment.unit_id) === incidentId) setUnitIncident(assignment.unit_id, null);
  }
}

export function setPositions(list) {
  state.positions = new Map();
  for (const p of list) {
    state.positions.set(p.unit_id, { lat: p.lat, lon: p.lon, atMs: parseTime(p.at) });
  }
  emit('positions', null);
}

export function movePositions(moves) {
  const moved = new Set();
  for (const m of moves) {
    const atMs = parseTime(m.at);
    const known = state.positions.get(m.unit_id);
    if (known && known.atMs !== null && atMs !== null && atMs < known.atMs) continue;
    state.positions.set(m.unit_id, { lat: m.lat, lon: m.lon, atMs });
    moved.add(m.unit_id);
  }
  if (moved.size) emit('positions', moved);
}

export function positionAgeS(position) {
  return position?.atMs == null ? null : Math.max(0, (now() - position.atMs) / 1000);
}

export function isStale(position) {
  const age = positionAgeS(position);
  return age === null || age > state.staleAfterS;
}

export function setCategories(list) {
  state.categories = list;
  state.categoryByCode = new Map(list.map((c) => [c.code, c]));
}
