// The map: no tiles (a closed network), our own road geometry on a canvas, district outlines, attribution.
import L from 'leaflet';
import { get } from '../core/api.js';
import { on } from '../core/bus.js';
import { t } from '../core/i18n.js';
import { setDistrictNames } from '../core/labels.js';

let map = null;
let renderer = null;
let attributionText = '';
let isDemoMap = false;
let shownAttribution = '';
let pickHandler = null;
let pickMarker = null;

export function createMap(container) {
  renderer = L.canvas({ padding: 0.3 });
  map = L.map(container, {
    preferCanvas: true,
    renderer,
    zoomControl: true,
    attributionControl: true,
    minZoom: 3,
    maxZoom: 19,
    zoomSnap: 0.5,
    inertia: false,
    zoomAnimation: false,
    fadeAnimation: false,
    markerZoomAnimation: false,
  });
  map.attributionControl.setPrefix(false);
  map.setView([48.0, 68.0], 5);
  map.on('click', (event) => pickHandler?.(event.latlng.lat, event.latlng.lng));
  on('locale', renderAttribution);
  return map;
}

export function theMap() {
  return map;
}

export function canvasRenderer() {
  return renderer;
}

/** Decode the compact geometry: integers in 1/scale degrees, the first pair absolute, the rest deltas. */
export function decodeLines(lines, scale) {
  const decoded = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const points = new Array(line.length / 2);
    let lat = 0;
    let lon = 0;
    for (let j = 0; j < line.length; j += 2) {
      lat += line[j];
      lon += line[j + 1];
      points[j / 2] = [lat / scale, lon / scale];
    }
    decoded[i] = points;
  }
  return decoded;
}

/** Draw the road network and the districts; fit the view to the roads. Missing layers are left out quietly. */
export async function loadBaseLayers() {
  const [geometry, districts, roads] = await Promise.all([
    get('/api/v1/geo/roads/geometry').catch(() => null),
    get('/api/v1/geo/districts').catch(() => null),
    get('/api/v1/geo/roads').catch(() => null),
  ]);
  if (geometry?.lines?.length) {
    const lines = decodeLines(geometry.lines, geometry.scale || 100000);
    const layer = L.polyline(lines, {
      renderer,
      color: '#8d96a0',
      weight: 1,
      opacity: 0.9,
      interactive: false,
      smoothFactor: 1.5,
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
  }
  if (districts?.features?.length) {
    setDistrictNames(districts.features);
    L.geoJSON(districts, {
      renderer,
      interactive: false,
      style: { color: '#3d5a80', weight: 1.5, dashArray: '6 4', fill: false },
    }).addTo(map);
  }
  attributionText = geometry?.attribution || roads?.attribution || '';
  const names = `${geometry?.name ?? ''} ${roads?.source ?? ''} ${roads?.file ?? ''}`.toLowerCase();
  isDemoMap = names.includes('andorra');
  renderAttribution();
  return Boolean(geometry?.lines?.length);
}

function renderAttribution() {
  if (!map) return;
  const control = map.attributionControl;
  if (shownAttribution) control.removeAttribution(shownAttribution);
  const parts = [attributionText || t('map.attribution_osm')];
  if (isDemoMap) parts.push(t('map.demo_notice'));
  shownAttribution = parts.map(escapeHtml).join(' · ');
  control.addAttribution(shownAttribution);
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** While set, a click on the map calls `handler(lat, lon)` (call-taking: the caller's place). */
export function setPickHandler(handler) {
  pickHandler = handler;
  map?.getContainer().classList.toggle('map-picking', Boolean(handler));
}

export function isPicking() {
  return pickHandler !== null;
}

export function showPickedPoint(lat, lon) {
  if (lat === null || lat === undefined) {
    pickMarker?.remove();
    pickMarker = null;
    return;
  }
  if (!pickMarker) {
    pickMarker = L.circleMarker([lat, lon], {
      renderer,
      radius: 9,
      color: '#111',
      weight: 2,
      dashArray: '3 3',
      fillColor: '#ffeb3b',
      fillOpacity: 0.6,
      interactive: false,
    }).addTo(map);
  } else {
    pickMarker.setLatLng([lat, lon]);
  }
}

export function panTo(lat, lon, minZoom = 15) {
  if (!map || lat === null || lat === undefined) return;
  map.setView([lat, lon], Math.max(map.getZoom(), minZoom), { animate: false });
}

/** Bring a point into view without changing the zoom, unless it is already well inside the view. */
export function reveal(lat, lon) {
  if (!map || lat === null || lat === undefined) return;
  if (!map.getBounds().pad(-0.1).contains([lat, lon])) map.setView([lat, lon], Math.max(map.getZoom(), 13), { animate: false });
}
