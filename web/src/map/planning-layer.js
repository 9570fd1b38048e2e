// The planning page on the map (overlay 'coverage', under the markers): the slow map of the selected scenario
// (POST /api/v1/planning/evaluate's `slow_map`, ~500 m cells shaded from green to red by their median simulated
// response) and the scenario's posts as dots, the one being moved highlighted. The page draws and clears it.
import L from 'leaflet';
import { formatDuration } from '../core/format.js';
import { t } from '../core/i18n.js';
import { canvasRenderer, overlay, theMap } from './map.js';

const POST_COLOUR = '#1565c0';
let cells = null;
let posts = null;

function publish(name, count) {
  const data = theMap()?.getContainer().dataset;
  if (data && data[name] !== String(count)) data[name] = String(count);
}

function shade(seconds, slowest) {
  const share = Math.min(1, seconds / Math.max(slowest, 1));
  return `hsl(${Math.round(120 * (1 - share))}, 75%, 42%)`;
}

/** Draw a slow map (a FeatureCollection of cells), or clear it with null. Returns the drawn bounds. */
export function showSlowMap(collection) {
  const group = overlay('coverage');
  cells?.remove();
  cells = null;
  const features = collection?.features ?? [];
  if (!group || !features.length) {
    publish('planningCells', 0);
    return null;
  }
  const slowest = Math.max(...features.map((f) => f.properties.median_response_s));
  cells = L.geoJSON(collection, {
    renderer: canvasRenderer(),
    style: (feature) => {
      const colour = shade(feature.properties.median_response_s, slowest);
      return { color: colour, weight: 0.5, fillColor: colour, fillOpacity: 0.45 };
    },
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(() => document.createTextNode(
        t('planning.cell_tooltip', { median: formatDuration(p.median_response_s), calls: p.calls_per_run })), { direction: 'top' });
    },
  });
  cells.addTo(group);
  cells.eachLayer((layer) => layer.bringToBack());
  publish('planningCells', features.length);
  return cells.getBounds();
}

/** Draw a plan's posts (those with lat/lon), `moving` the index of the highlighted one; null clears them. */
export function showPosts(plan, moving = null) {
  const group = overlay('coverage');
  posts?.remove();
  posts = null;
  const list = (plan?.posts ?? []).filter((p) => p.lat !== undefined && p.lon !== undefined);
  if (!group || !list.length) {
    publish('planningPosts', 0);
    return;
  }
  posts = L.layerGroup(plan.posts.map((p, i) => (p.lat === undefined ? null : L.circleMarker([p.lat, p.lon], {
    renderer: canvasRenderer(), radius: i === moving ? 8 : 5, color: '#fff', weight: 2,
    fillColor: i === moving ? '#ff6f00' : POST_COLOUR, fillOpacity: 1, interactive: false,
  }))).filter(Boolean));
  posts.addTo(group);
  publish('planningPosts', list.length);
}
