// Live layers on the canvas: incidents shaped by priority, units by type and coloured by status (labels when
// zoomed in, counted in clusters at region zoom), routes. Each kind lives in its overlay (map.js).
import L from 'leaflet';
import { emit, on } from '../core/bus.js';
import { t } from '../core/i18n.js';
import { categoryName, incidentStatus, unitStatus } from '../core/labels.js';
import { isStale, state } from '../core/store.js';
import { makeClusterer } from './cluster.js';
import { canvasRenderer, isPicking, overlay, theMap } from './map.js';
import { ShapeMarker, incidentSymbol, unitSymbol } from './symbols.js';

const LABEL_ZOOM = 15;

const incidentMarkers = new Map();
const unitMarkers = new Map();
const labelled = new Set();
let routeLayer = null;
let unitMoves = 0;
let incidentClusters = null;
let unitClusters = null;

/**
 * What the map shows, as attributes of its container: for people reading the DOM and for the browser tests.
 * Only figures that changed are written: each write makes the browser look at the container's style again.
 */
function publish() {
  const data = theMap().getContainer().dataset;
  const figures = {
    incidents: String(incidentMarkers.size),
    units: String(unitMarkers.size),
    unitMoves: String(unitMoves),
    route: routeLayer ? 'shown' : 'none',
    clusters: String((incidentClusters?.count() ?? 0) + (unitClusters?.count() ?? 0)),
  };
  for (const [key, value] of Object.entries(figures)) if (data[key] !== value) data[key] = value;
}

/**
 * Move and restyle a marker only where something changed: each change asks the canvas for a redraw, and a
 * batch of positions or a changed incident must not repaint the markers that stayed as they were.
 * Returns whether the marker moved.
 */
function update(marker, lat, lon, symbol) {
  const was = marker.getLatLng();
  const moved = was.lat !== lat || was.lng !== lon;
  if (moved) marker.setLatLng([lat, lon]);
  restyle(marker, symbol);
  return moved;
}

function restyle(marker, symbol) {
  const key = Object.values(symbol).join('|');
  if (marker.symbolKey === key) return;
  marker.symbolKey = key;
  marker.setStyle(symbol);
}

function newMarker(lat, lon, symbol) {
  const marker = new ShapeMarker([lat, lon], { renderer: canvasRenderer(), ...symbol });
  marker.symbolKey = Object.values(symbol).join('|');
  return marker;
}
let selectedRing = null;

export function startLayers() {
  const map = theMap();
  incidentClusters = makeClusterer(map, overlay('incidents'), incidentMarkers, 'incidents', (ids) => {
    const priorities = ids.map((id) => state.incidents.get(id)?.priority ?? 4);
    return { title: t('map.cluster_incidents', { count: ids.length }), level: `p${Math.min(...priorities)}` };
  }, publish);
  unitClusters = makeClusterer(map, overlay('units'), unitMarkers, 'units', (ids) => {
    const free = ids.filter((id) => state.units.get(id)?.status === 'available').length;
    return { title: t('map.cluster_units', { count: ids.length, available: free }), level: free ? 'free' : 'busy' };
  }, publish);
  map.on('zoomend', publish);
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

// Leaflet puts string content in as HTML; data goes in as text nodes instead.
const text = (value) => document.createTextNode(value);

function incidentTooltip(layer) {
  const incident = state.incidents.get(layer.incidentId);
  if (!incident) return text('');
  return text(`${incident.number} · ${categoryName(incident.category_code)} · ${incidentStatus(incident.status)}`);
}

function syncIncidents(ids) {
  const wanted = ids ?? new Set([...state.incidents.keys(), ...incidentMarkers.keys()]);
  for (const id of wanted) {
    const incident = state.incidents.get(id);
    let marker = incidentMarkers.get(id);
    if (!incident || incident.lat === null) {
      if (marker) incidentClusters.drop(marker);
      incidentMarkers.delete(id);
      continue;
    }
    if (!marker) {
      marker = newMarker(incident.lat, incident.lon, incidentSymbol(incident));
      marker.incidentId = id;
      marker.bindTooltip(incidentTooltip, { direction: 'top' });
      marker.on('click', () => isPicking() || emit('open-incident', id));
      incidentMarkers.set(id, marker);
    } else {
      update(marker, incident.lat, incident.lon, incidentSymbol(incident));
    }
  }
  incidentClusters.schedule(); // a burst of changed incidents (each refetched on its own) costs one pass
  publish();
}

function unitTooltip(layer) {
  const unit = state.units.get(layer.unitId);
  return text(unit ? `${unit.call_sign} · ${unitStatus(unit.status)}` : '');
}

function syncUnits(ids) {
  const wanted = ids ?? new Set([...state.positions.keys(), ...unitMarkers.keys()]);
  for (const id of wanted) {
    const position = state.positions.get(id);
    const unit = state.units.get(id);
    let marker = unitMarkers.get(id);
    if (!position || (unit && !unit.on_duty)) {
      if (marker) unitClusters.drop(marker);
      unitMarkers.delete(id);
      labelled.delete(id);
      continue;
    }
    if (!marker) {
      marker = newMarker(position.lat, position.lon, unitSymbol(unit, isStale(position)));
      marker.unitId = id;
      marker.bindTooltip(unitTooltip, { direction: 'top' });
      marker.on('click', () => {
        if (isPicking()) return;
        emit('focus-unit', id);
        emit('map-unit-chosen', id);
      });
      unitMarkers.set(id, marker);
    } else if (update(marker, position.lat, position.lon, unitSymbol(unit, isStale(position)))) {
      unitMoves += 1;
    }
  }
  unitClusters.schedule();
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
    if (marker) restyle(marker, unitSymbol(state.units.get(id), isStale(state.positions.get(id))));
    else syncUnits(new Set([id]));
  }
}

/** Restyle all unit markers now and then, so that positions going stale show without an event. */
export function restyleStaleUnits() {
  for (const [id, marker] of unitMarkers) restyle(marker, unitSymbol(state.units.get(id), isStale(state.positions.get(id))));
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
    }).addTo(overlay('routes'));
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
