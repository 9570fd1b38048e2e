// Clustering at region zoom: markers falling in the same square of the screen grid are shown as one count,
// which zooms in to its members when clicked. Written plainly (a grid on projected pixels, no library).
import L from 'leaflet';
import { h } from '../core/dom.js';

export const CLUSTER_BELOW_ZOOM = 13;
const CELL_PX = 64;
const ANCHORS = { incidents: [31, 31], units: [-1, -1] };

/**
 * Keep `markers` (a Map id → layer) in `group`, except those sharing a grid cell with others below
 * CLUSTER_BELOW_ZOOM, which one count marker stands for. `kind` names the cluster ('incidents', 'units');
 * `describe(ids)` gives {title, level} for its tooltip and colour class; `changed()` is called after each pass.
 * Returns {refresh, schedule, drop, count}.
 *
 * A pass touches only what changed: a count marker moves, relabels or recolours only when its members or
 * their middle changed, and markers leave or join the layer group (which redraws the canvas) only when they
 * go into a cluster or come out of one.
 */
export function makeClusterer(map, group, markers, kind, describe, changed = () => {}) {
  const clusters = new Map(); // cell → {marker, ids}
  let scheduled = false;

  const clusterMarker = (cell) => {
    const label = h('span', { class: 'map-cluster-count' });
    const el = h('div', { class: `map-cluster map-cluster-${kind}`, testid: 'map-cluster', dataset: { kind } }, label);
    const marker = L.marker([0, 0], {
      // Incidents' counts sit up-left of their middle and units' down-right, so both show where they meet.
      icon: L.divIcon({ html: el, className: 'map-cluster-icon', iconSize: [30, 30], iconAnchor: ANCHORS[kind] }),
      keyboard: false,
    });
    const entry = { marker, el, label, ids: [] };
    marker.on('click', () => {
      const bounds = L.latLngBounds(entry.ids.map((id) => markers.get(id)?.getLatLng()).filter(Boolean));
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: CLUSTER_BELOW_ZOOM + 1, animate: false });
    });
    marker.bindTooltip(() => entry.title ?? '', { direction: 'top' });
    clusters.set(cell, entry);
    return entry;
  };

  const refresh = () => {
    scheduled = false;
    const zoom = map.getZoom();
    const cells = new Map();
    if (zoom < CLUSTER_BELOW_ZOOM) {
      for (const [id, marker] of markers) {
        const p = map.project(marker.getLatLng(), zoom);
        const cell = `${Math.floor(p.x / CELL_PX)}:${Math.floor(p.y / CELL_PX)}:${zoom}`;
        if (!cells.has(cell)) cells.set(cell, []);
        cells.get(cell).push(id);
      }
    }
    const hidden = new Set();
    for (const [cell, ids] of cells) {
      if (ids.length < 2) continue;
      const entry = clusters.get(cell) ?? clusterMarker(cell);
      entry.ids = ids;
      for (const id of ids) hidden.add(id);
      let lat = 0;
      let lng = 0;
      for (const id of ids) {
        const point = markers.get(id).getLatLng();
        lat += point.lat;
        lng += point.lng;
      }
      const middle = entry.marker.getLatLng();
      if (middle.lat !== lat / ids.length || middle.lng !== lng / ids.length) {
        entry.marker.setLatLng([lat / ids.length, lng / ids.length]);
      }
      const { title, level } = describe(ids);
      entry.title = title;
      const count = String(ids.length);
      if (entry.el.dataset.count !== count) {
        entry.label.textContent = count;
        entry.el.dataset.count = count;
      }
      if (entry.el.dataset.level !== (level ?? '')) entry.el.dataset.level = level ?? '';
      if (!group.hasLayer(entry.marker)) group.addLayer(entry.marker);
    }
    for (const [cell, entry] of clusters) {
      if (cells.get(cell)?.length >= 2) continue;
      group.removeLayer(entry.marker);
      clusters.delete(cell);
    }
    for (const [id, marker] of markers) {
      const shown = group.hasLayer(marker);
      if (hidden.has(id) && shown) group.removeLayer(marker);
      else if (!hidden.has(id) && !shown) group.addLayer(marker);
    }
    changed();
  };

  /** Re-cluster on the next frame (many changes in one go cost one pass). */
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(refresh, 0); // not requestAnimationFrame: a console in a background tab must keep up too
  };

  /** Take a marker out for good (it left the map's data). */
  const drop = (marker) => group.removeLayer(marker);

  map.on('zoomend', refresh);
  return { refresh, schedule, drop, count: () => clusters.size };
}
