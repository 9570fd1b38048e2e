// Hot-spots of incidents no camera saw, on the map (overlay 'coverage'): the grid cells
// GET /api/v1/analytics/cctv-coverage/hotspots answered, each a square shaded by its priority weight (the
// heaviest darkest), under the markers. The analytics page asks for it; the layer keeps the last answer until
// another is asked for or it is cleared.
import L from 'leaflet';
import { t } from '../core/i18n.js';
import { canvasRenderer, overlay, theMap } from './map.js';

export const HOTSPOT_COLOUR = '#c62828';
let drawn = null;

function publish(count) {
  const data = theMap()?.getContainer().dataset;
  if (data && data.coverageCells !== String(count)) data.coverageCells = String(count);
}

/** Draw the hot-spot cells (the route's FeatureCollection), or clear them with null. Returns the bounds. */
export function showHotspots(collection) {
  const group = overlay('coverage');
  drawn?.remove();
  drawn = null;
  const features = collection?.features ?? [];
  if (!group || !features.length) {
    publish(0);
    return null;
  }
  const heaviest = Math.max(...features.map((f) => f.properties.weight), 1);
  drawn = L.geoJSON(collection, {
    renderer: canvasRenderer(),
    style: (feature) => ({
      color: HOTSPOT_COLOUR,
      weight: 1,
      fillColor: HOTSPOT_COLOUR,
      fillOpacity: 0.12 + 0.5 * (feature.properties.weight / heaviest),
    }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(() => document.createTextNode(
        t('coverage.cell_tooltip', { rank: p.rank, uncovered: p.uncovered, weight: p.weight })), { direction: 'top' });
    },
  });
  drawn.addTo(group);
  drawn.eachLayer((layer) => layer.bringToBack());
  publish(features.length);
  return drawn.getBounds();
}
