// The map's cameras (overlay 'cameras'): each registered camera a small dot with its view sector drawn (heading
// ± FOV/2 out to its range, the same outline the server draws), greyed while offline, in maintenance or
// silent past the health limit. The cameras of the open incident are highlighted from the card's answer
// (GET /api/v1/incidents/{id}/cameras): those that see it green with the server's sector, the nearby ones that
// do not thin and dashed. The registry and its health are read at start, every minute, and on a live
// camera_health event.
import L from 'leaflet';
import { get } from '../core/api.js';
import { on } from '../core/bus.js';
import { t, tOr } from '../core/i18n.js';
import { canvasRenderer, overlay, theMap } from './map.js';

const REFRESH_MS = 60000;
const EARTH_RADIUS_M = 6371008.8;
const STEP_DEG = 5;
export const CAMERA_COLOURS = { online: '#6a1b9a', offline: '#9e9e9e', seeing: '#2e7d32', blind: '#ef6c00' };

const cameras = new Map(); // camera id → the registry's camera (without addresses)
const offline = new Set(); // ids the health check has as offline
const drawn = new Map(); // camera id → {dot, sector}
let highlight = new Map(); // camera id → {sees, sector: [[lat, lon]…]} for the open incident
let loaded = false;

/** The view sector as [lat, lon] pairs, closed: the camera, the arc in steps of at most 5°, the camera. */
export function sectorOutline(lat, lon, heading, fov, range) {
  const steps = Math.max(2, Math.ceil(fov / STEP_DEG) + 1);
  const ky = (Math.PI / 180) * EARTH_RADIUS_M;
  const kx = ky * Math.cos((lat * Math.PI) / 180);
  const arc = [];
  for (let i = 0; i < steps; i += 1) {
    const angle = ((heading - fov / 2 + (fov * i) / (steps - 1)) * Math.PI) / 180;
    arc.push([lat + (range * Math.cos(angle)) / ky, lon + (range * Math.sin(angle)) / kx]);
  }
  if (fov >= 360) return [...arc.slice(0, -1), arc[0]];
  return [[lat, lon], ...arc, [lat, lon]];
}

export const isDown = (camera) => offline.has(camera.camera_id) || ['offline', 'maintenance'].includes(camera.status);

function styles(camera) {
  const marked = highlight.get(camera.camera_id);
  const down = isDown(camera);
  let colour = down ? CAMERA_COLOURS.offline : CAMERA_COLOURS.online;
  if (marked) colour = marked.sees ? CAMERA_COLOURS.seeing : down ? CAMERA_COLOURS.offline : CAMERA_COLOURS.blind;
  const sector = {
    color: colour,
    weight: marked?.sees ? 2.5 : 1,
    dashArray: marked && !marked.sees ? '4 4' : down ? '2 4' : null,
    fillColor: colour,
    fillOpacity: marked?.sees ? 0.22 : down ? 0.05 : 0.1,
  };
  const dot = { radius: marked ? 6 : 4, color: '#fff', weight: 1.5, fillColor: colour, fillOpacity: down ? 0.6 : 1 };
  return { sector, dot, state: marked ? (marked.sees ? 'seeing' : 'blind') : down ? 'offline' : 'online' };
}

function tooltip(camera) {
  const parts = [camera.camera_id, tOr(`cameras.type_${camera.type}`, camera.type), camera.owner];
  if (isDown(camera)) parts.push(offline.has(camera.camera_id) ? t('cameras.offline') : tOr(`cameras.status_${camera.status}`, camera.status));
  return document.createTextNode(parts.join(' · '));
}

function publish() {
  const data = theMap().getContainer().dataset;
  const figures = {
    cameras: String(drawn.size),
    camerasOffline: String([...cameras.values()].filter(isDown).length),
    camerasSeeing: [...highlight].filter(([, m]) => m.sees).map(([id]) => id).sort().join(','),
  };
  for (const [key, value] of Object.entries(figures)) if (data[key] !== value) data[key] = value;
}

function draw() {
  const group = overlay('cameras');
  if (!group) return;
  for (const [id, shapes] of drawn) {
    if (cameras.has(id)) continue;
    group.removeLayer(shapes.dot);
    group.removeLayer(shapes.sector);
    drawn.delete(id);
  }
  for (const camera of cameras.values()) {
    const look = styles(camera);
    const outline = highlight.get(camera.camera_id)?.sector
      ?? sectorOutline(camera.lat, camera.lon, camera.heading_deg, camera.fov_deg, camera.range_m);
    let shapes = drawn.get(camera.camera_id);
    if (!shapes) {
      const sector = L.polygon(outline, { renderer: canvasRenderer(), interactive: false, ...look.sector });
      const dot = L.circleMarker([camera.lat, camera.lon], { renderer: canvasRenderer(), ...look.dot });
      dot.bindTooltip(() => tooltip(cameras.get(camera.camera_id) ?? camera), { direction: 'top' });
      group.addLayer(sector);
      group.addLayer(dot);
      shapes = { sector, dot };
      drawn.set(camera.camera_id, shapes);
    } else {
      shapes.sector.setLatLngs(outline);
      shapes.sector.setStyle(look.sector);
      shapes.dot.setLatLng([camera.lat, camera.lon]);
      shapes.dot.setStyle(look.dot);
    }
    shapes.state = look.state;
    if (shapes.sector._map) shapes.sector.bringToBack(); // under the markers: incidents stay clickable
  }
  publish();
}

async function load() {
  try {
    const [listed, health] = await Promise.all([
      get('/api/v1/cameras'),
      get('/api/v1/cameras/health').catch(() => null),
    ]);
    cameras.clear();
    for (const camera of listed) if (camera.status !== 'retired') cameras.set(camera.camera_id, camera);
    if (health) {
      offline.clear();
      for (const entry of health.cameras) if (entry.state === 'offline' && entry.status === 'active') offline.add(entry.camera);
    }
    loaded = true;
    draw();
  } catch (error) {
    console.debug('cameras', error?.message);
  }
}

/** The open incident's cameras (the card's answer), or null to clear. */
export function highlightCameras(listing) {
  highlight = new Map();
  if (listing?.located) {
    for (const entry of listing.seeing) highlight.set(entry.camera.camera_id, { sees: true, sector: entry.sector });
    for (const entry of listing.not_seeing) highlight.set(entry.camera.camera_id, { sees: false, sector: entry.sector });
    for (const entry of [...listing.seeing, ...listing.not_seeing]) {
      if (!cameras.has(entry.camera.camera_id)) cameras.set(entry.camera.camera_id, entry.camera);
    }
  }
  if (loaded || highlight.size) draw();
}

export function startCameraLayer() {
  overlay('cameras')?.on('add', draw);
  on('camera-health', (change) => {
    if (!change?.camera) return;
    if (change.state === 'offline') offline.add(change.camera);
    else offline.delete(change.camera);
    draw();
  });
  on('locale', draw);
  load();
  setInterval(load, REFRESH_MS);
}
