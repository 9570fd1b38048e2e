// Live layers on the canvas: incidents by priority, units by status (labels when zoomed in), routes.
import L from 'leaflet';
import { emit, on } from '../core/bus.js';
import { categoryName, incidentStatus, unitStatus } from '../core/labels.js';
import { isStale, state } from '../core/store.js';
import { canvasRenderer, isPicking, theMap } from './map.js';

const PRIORITY_COLOURS = { 1: '#c62828', 2: '#ef6c00', 3: '#1565c0', 4: '#607d8b' };
const UNIT_COLOURS = {
  available: '#2e7d32',
  dispatched: '#1565c0',
  en_route: '#0277bd',
  on_scene: '#6a1b9a',
  busy: '#f9a825',
  out_of_service: '#616161',
  off_duty: '#9e9e9e',
};
const LABEL_ZOOM = 15;

const incidentMarkers = new Map();
const unitMarkers = new Map();
const labelled = new Set();
let routeLayer = null;
let unitMoves = 0;

/** What the map shows, as attributes of its container: for people reading the DOM and for the browser tests. */
function publish() {
  const data = theMap().getContainer().dataset;
  data.incidents = String(incidentMarkers.size);
  data.units = String(unitMarkers.size);
  data.unitMoves = String(unitMoves);
  data.route = routeLayer ? 'shown' : 'none';
}
let selectedRing = null;

export function startLayers() {
  const map = theMap();
  on('incidents', (ids) => syncIncidents(ids));
  on('units', (ids) => restyleUnits(ids));
  on('positions', (ids) => syncUnits(ids));
  on('snapshot', () => {
    syncIncidents(null);
    syncUnits(null);
  });
  on('locale', () => refreshLabels(true));
  map.on('zoomend moveend', () => refreshLabels(false));
}

function incidentStyle(incident) {
  const waiting = incident.status === 'new' || incident.status === 'queued';
  return {
    renderer: canvasRenderer(),
    radius: incident.priority === 1 ? 8 : 7,
    color: waiting ? '#000' : '#fff',
    weight: waiting ? 2 : 1.5,
    fillColor: PRIORITY_COLOURS[incident.priority] ?? '#607d8b',
    fillOpacity: 0.95,
  };
}

// Leaflet puts string content in as HTML; data goes in as text nodes instead.
const text = (value) => document.createTextNode(value);

function incidentTooltip(layer) {
  const incident = state.incidents.get(layer.incidentId);
  if (!incident) return text('');
  return text(`${incident.number} · ${categoryName(incident.category_code)} · ${incidentStatus(incident.status)}`);
}

function syncIncidents(ids) {
  const map = theMap();
  const wanted = ids ?? new Set([...state.incidents.keys(), ...incidentMarkers.keys()]);
  for (const id of wanted) {
    const incident = state.incidents.get(id);
    let marker = incidentMarkers.get(id);
    if (!incident || incident.lat === null) {
      marker?.remove();
      incidentMarkers.delete(id);
      continue;
    }
    if (!marker) {
      marker = L.circleMarker([incident.lat, incident.lon], incidentStyle(incident));
      marker.incidentId = id;
      marker.bindTooltip(incidentTooltip, { direction: 'top' });
      marker.on('click', () => isPicking() || emit('open-incident', id));
      marker.addTo(map);
      incidentMarkers.set(id, marker);
    } else {
      marker.setLatLng([incident.lat, incident.lon]);
      marker.setStyle(incidentStyle(incident));
    }
  }
  publish();
}

function unitStyle(unit, position) {
  const stale = isStale(position);
  return {
    renderer: canvasRenderer(),
    radius: 6,
    color: stale ? '#555' : '#fff',
    weight: stale ? 1.5 : 1.5,
    dashArray: stale ? '2 2' : null,
    fillColor: UNIT_COLOURS[unit?.status] ?? '#9e9e9e',
    fillOpacity: stale ? 0.35 : 1,
  };
}

function unitTooltip(layer) {
  const unit = state.units.get(layer.unitId);
  return text(unit ? `${unit.call_sign} · ${unitStatus(unit.status)}` : '');
}

function syncUnits(ids) {
  const map = theMap();
  const wanted = ids ?? new Set([...state.positions.keys(), ...unitMarkers.keys()]);
  for (const id of wanted) {
    const position = state.positions.get(id);
    const unit = state.units.get(id);
    let marker = unitMarkers.get(id);
    if (!position || (unit && !unit.on_duty)) {
      marker?.remove();
      unitMarkers.delete(id);
      labelled.delete(id);
      continue;
    }
    if (!marker) {
      marker = L.circleMarker([position.lat, position.lon], unitStyle(unit, position));
      marker.unitId = id;
      marker.bindTooltip(unitTooltip, { direction: 'top' });
      marker.on('click', () => isPicking() || emit('focus-unit', id));
      marker.addTo(map);
      unitMarkers.set(id, marker);
    } else {
      const was = marker.getLatLng();
      if (was.lat !== position.lat || was.lng !== position.lon) unitMoves += 1;
      marker.setLatLng([position.lat, position.lon]);
      marker.setStyle(unitStyle(unit, position));
    }
  }
  if (!ids) refreshLabels(true);
  publish();
}

function restyleUnits(ids) {
  if (!ids) {
    syncUnits(null);
    return;
  }
  for (const id of ids) {
    const marker = unitMarkers.get(id);
    if (marker) marker.setStyle(unitStyle(state.units.get(id), state.positions.get(id)));
    else syncUnits(new Set([id]));
  }
}

/** Restyle all unit markers now and then, so that positions going stale show without an event. */
export function restyleStaleUnits() {
  for (const [id, marker] of unitMarkers) marker.setStyle(unitStyle(state.units.get(id), state.positions.get(id)));
}

/** Call-sign labels for the units in view, only when zoomed in (a few DOM labels, not hundreds). */
function refreshLabels(rebuild) {
  const map = theMap();
  const show = map.getZoom() >= LABEL_ZOOM;
  const bounds = map.getBounds().pad(0.2);
  for (const [id, marker] of unitMarkers) {
    const wanted = show && bounds.contains(marker.getLatLng());
    if (labelled.has(id) && (!wanted || rebuild)) {
      marker.unbindTooltip();
      marker.bindTooltip(unitTooltip, { direction: 'top' });
      labelled.delete(id);
    }
    if (wanted && !labelled.has(id)) {
      const unit = state.units.get(id);
      marker.unbindTooltip();
      marker.bindTooltip(text(unit?.call_sign ?? String(id)), {
        permanent: true,
        direction: 'right',
        offset: [6, 0],
        className: 'unit-label',
      });
      labelled.add(id);
    }
  }
}

/** Draw the road routes of the open incident's units (GeoJSON Features); none clears them. */
export function showRoutes(features) {
  routeLayer?.remove();
  routeLayer = null;
  if (features?.length) {
    routeLayer = L.geoJSON(features, {
      renderer: canvasRenderer(),
      interactive: false,
      style: { color: '#0d47a1', weight: 4, opacity: 0.75 },
    }).addTo(theMap());
  }
  publish();
}

/** Ring the incident whose card is open. */
export function highlightIncident(incident) {
  selectedRing?.remove();
  selectedRing = null;
  if (!incident || incident.lat === null) return;
  selectedRing = L.circleMarker([incident.lat, incident.lon], {
    renderer: canvasRenderer(),
    radius: 14,
    color: '#0b2545',
    weight: 3,
    fill: false,
    interactive: false,
  }).addTo(theMap());
}

export function fitToMarkers() {
  const points = [...incidentMarkers.values(), ...unitMarkers.values()].map((m) => m.getLatLng());
  if (points.length) theMap().fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 15, animate: false });
}
