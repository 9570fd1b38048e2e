// The placement proposal on the map (overlay 'placement'): the sites GET /api/v1/cctv/placement chose for the
// next cameras, each a numbered dot with the view it would have, drawn under the markers. The supervisor's
// view asks for it; the layer keeps the last answer until another is asked for or it is cleared.
import L from 'leaflet';
import { t } from '../core/i18n.js';
import { canvasRenderer, overlay, theMap } from './map.js';

export const PLACEMENT_COLOUR = '#00838f';
let drawn = null;

function publish(count) {
  const data = theMap().getContainer().dataset;
  if (data.placementSites !== String(count)) data.placementSites = String(count);
}

/** Draw a proposal (the route's FeatureCollection), or clear it with null. Returns the drawn bounds. */
export function showPlacement(collection) {
  const group = overlay('placement');
  drawn?.remove();
  drawn = null;
  const features = collection?.features ?? [];
  if (!group || !features.length) {
    publish(0);
    return null;
  }
  drawn = L.geoJSON(collection, {
    renderer: canvasRenderer(),
    style: () => ({ color: PLACEMENT_COLOUR, weight: 1.5, fillColor: PLACEMENT_COLOUR, fillOpacity: 0.18 }),
    filter: (feature) => ['site', 'sector'].includes(feature.properties?.kind),
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
      renderer: canvasRenderer(), radius: 7, color: '#fff', weight: 2, fillColor: PLACEMENT_COLOUR, fillOpacity: 1,
    }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      if (p.kind !== 'site') return;
      layer.bindTooltip(() => document.createTextNode(
        t('placement.site_tooltip', { rank: p.rank, name: p.name || '—', incidents: p.new_incidents, heading: Math.round(p.heading_deg) })),
      { direction: 'top' });
    },
  });
  drawn.addTo(group);
  drawn.eachLayer((layer) => layer.feature?.properties?.kind === 'sector' && layer.bringToBack());
  publish(features.filter((f) => f.properties?.kind === 'site').length);
  return drawn.getBounds();
}
