// The map: no tiles (a closed network), our own road geometry on a canvas, street names, district outlines,
// attribution, and the overlays a desk can switch off (remembered per browser).
import L from 'leaflet';
import { get } from '../core/api.js';
import { on } from '../core/bus.js';
import { t } from '../core/i18n.js';
import { setDistrictNames } from '../core/labels.js';
import { StreetLabels, streetChains } from './street-labels.js';

let map = null;
let renderer = null;
let roadRenderer = null;
let streetLabels = null;
let attributionText = '';
let isDemoMap = false;
let shownAttribution = '';
let pickHandler = null;
let pickMarker = null;

// Overlays in drawing order; each is a layer group a desk may hide (kuzet.map.layers in localStorage).
export const OVERLAYS = ['districts', 'alerts', 'coverage', 'placement', 'cameras', 'streets', 'routes', 'units', 'incidents'];
const OVERLAYS_KEY = 'kuzet.map.layers';
const ROAD_STYLES = [
  { color: '#7f8a96', weight: 2.4 },
  { color: '#98a2ac', weight: 1.3 },
  { color: '#b9c0c7', weight: 1 },
];
const overlays = new Map();

function storedOverlays() {
  try {
    const stored = JSON.parse(localStorage.getItem(OVERLAYS_KEY) ?? '{}');
    return stored && typeof stored === 'object' ? stored : {};
  } catch {
    return {};
  }
}

export function overlay(name) {
  return overlays.get(name);
}

export function overlayShown(name) {
  return storedOverlays()[name] !== false;
}

/** Show or hide an overlay, and remember the choice in this browser. */
export function showOverlay(name, shown) {
  const layer = overlays.get(name);
  if (!layer || !map) return;
  if (shown) layer.addTo(map);
  else layer.remove();
  localStorage.setItem(OVERLAYS_KEY, JSON.stringify({ ...storedOverlays(), [name]: Boolean(shown) }));
  map.getContainer().dataset[`layer${name[0].toUpperCase()}${name.slice(1)}`] = shown ? 'shown' : 'hidden';
}

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
  // Roads on a canvas of their own under the street names, which lie under the markers and outlines.
  map.createPane('roads').style.zIndex = '350';
  map.createPane('streetLabels').style.zIndex = '380';
  map.getPane('streetLabels').style.pointerEvents = 'none';
  roadRenderer = L.canvas({ padding: 0.3, pane: 'roads' });
  streetLabels = new StreetLabels({ pane: 'streetLabels' });
  for (const name of OVERLAYS) overlays.set(name, name === 'streets' ? streetLabels : L.layerGroup());
  container.dataset.streetLabels = '0';
  for (const name of OVERLAYS) showOverlay(name, overlayShown(name));
  map.on('zoomend moveend', () => {
    const middle = map.getCenter();
    container.dataset.zoom = String(map.getZoom());
    container.dataset.centre = `${middle.lat.toFixed(5)},${middle.lng.toFixed(5)}`;
  });
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
    // Main roads wider and darker than streets, service roads lightest: the map reads like a street map.
    const byTier = [[], [], []];
    lines.forEach((line, i) => byTier[Math.min(2, geometry.tiers?.[i] ?? 1)].push(line));
    const drawn = [...byTier.entries()]
      .reverse()
      .filter(([, tierLines]) => tierLines.length)
      .map(([tier, tierLines]) =>
        L.polyline(tierLines, {
          renderer: roadRenderer,
          pane: 'roads',
          interactive: false,
          smoothFactor: 1.5,
          opacity: 0.95,
          ...ROAD_STYLES[tier],
        }).addTo(map),
      );
    const bounds = drawn.reduce((all, layer) => all.extend(layer.getBounds()), L.latLngBounds([]));
    map.fitBounds(bounds, { padding: [10, 10], animate: false });
    const streetNames = geometry.names ?? [];
    streetLabels.setStreets(
      streetNames.length ? streetChains(lines, geometry.tiers ?? [], streetNames, geometry.line_names ?? []) : [],
    );
  }
  if (districts?.features?.length) {
    setDistrictNames(districts.features);
    L.geoJSON(districts, {
      renderer,
      interactive: false,
      style: { color: '#3d5a80', weight: 1.5, dashArray: '6 4', fill: false },
    }).addTo(overlays.get('districts'));
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
