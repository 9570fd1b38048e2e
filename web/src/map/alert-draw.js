// Drawing an alert's area on the map: each click adds a corner, the outline follows; undo and clear.
// While drawing, the map's clicks are the drawing's (as a call-taker's are the caller's place).
import L from 'leaflet';
import { canvasRenderer, setPickHandler, theMap } from './map.js';

const STYLE = { color: '#6a1b9a', weight: 2, dashArray: '5 4', fillColor: '#6a1b9a', fillOpacity: 0.15, interactive: false };

/** `onChange(points)` hears every change; returns {start, stop, undo, clear, set, points, drawing}. */
export function polygonDrawing(onChange) {
  let points = [];
  let drawing = false;
  let shape = null;
  const corners = L.layerGroup();

  const redraw = () => {
    const map = theMap();
    shape?.remove();
    shape = null;
    corners.clearLayers();
    if (points.length) {
      const options = { renderer: canvasRenderer(), ...STYLE };
      shape = (points.length >= 3 ? L.polygon(points, options) : L.polyline(points, options)).addTo(map);
      for (const point of points) {
        L.circleMarker(point, { renderer: canvasRenderer(), radius: 4, color: '#6a1b9a', weight: 2, fillColor: '#fff', fillOpacity: 1, interactive: false }).addTo(corners);
      }
      corners.addTo(map);
    }
    map.getContainer().dataset.alertDrawPoints = String(points.length);
    onChange([...points]);
  };

  const add = (lat, lon) => {
    points.push([Number(lat.toFixed(6)), Number(lon.toFixed(6))]);
    redraw();
  };

  return {
    start() {
      drawing = true;
      setPickHandler(add);
      theMap().getContainer().dataset.alertDrawing = 'on';
    },
    stop() {
      if (drawing) setPickHandler(null);
      drawing = false;
      theMap().getContainer().dataset.alertDrawing = 'off';
    },
    undo() {
      points.pop();
      redraw();
    },
    clear() {
      points = [];
      redraw();
    },
    /** Show given corners (an alert being updated), or none. */
    set(list) {
      points = (list ?? []).map(([lat, lon]) => [lat, lon]);
      if (points.length > 1 && points[0][0] === points.at(-1)[0] && points[0][1] === points.at(-1)[1]) points.pop();
      redraw();
    },
    points: () => [...points],
    drawing: () => drawing,
    /** Take the outline off the map (the form is closed). */
    remove() {
      this.stop();
      points = [];
      shape?.remove();
      shape = null;
      corners.remove();
      theMap().getContainer().dataset.alertDrawPoints = '0';
    },
  };
}
