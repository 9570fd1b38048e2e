// Map symbols: incidents are angular shapes by priority, units are round by type (a vehicle, or a crew on
// foot), coloured by status. The same drawing serves the canvas markers and the legend's swatches.
import L from 'leaflet';

export const PRIORITY_COLOURS = { 1: '#c62828', 2: '#ef6c00', 3: '#1565c0', 4: '#607d8b' };
export const PRIORITY_SHAPES = { 1: 'triangle', 2: 'diamond', 3: 'square', 4: 'pentagon' };
export const UNIT_COLOURS = {
  available: '#2e7d32',
  dispatched: '#1565c0',
  en_route: '#0277bd',
  on_scene: '#6a1b9a',
  busy: '#f9a825',
  out_of_service: '#616161',
  off_duty: '#9e9e9e',
};
const FOOT_TYPES = new Set(['foot_patrol']);

export function unitShape(unitType) {
  return FOOT_TYPES.has(unitType) ? 'foot' : 'car';
}

// Corners of the angular shapes, around (0, 0) with a radius of about 1; y grows downwards.
const POLYGONS = {
  triangle: [[0, -1.25], [1.15, 0.8], [-1.15, 0.8]],
  diamond: [[0, -1.3], [1.1, 0], [0, 1.3], [-1.1, 0]],
  square: [[-0.9, -0.9], [0.9, -0.9], [0.9, 0.9], [-0.9, 0.9]],
  pentagon: [0, 1, 2, 3, 4].map((k) => [Math.sin((2 * Math.PI * k) / 5), -Math.cos((2 * Math.PI * k) / 5)]),
};

/** Trace `shape` centred on (x, y) with radius r as the canvas's current path. */
export function tracePath(ctx, shape, x, y, r) {
  ctx.beginPath();
  const corners = POLYGONS[shape];
  if (!corners) {
    ctx.arc(x, y, r, 0, Math.PI * 2, false);
    return;
  }
  corners.forEach(([dx, dy], i) => (i ? ctx.lineTo(x + dx * r, y + dy * r) : ctx.moveTo(x + dx * r, y + dy * r)));
  ctx.closePath();
}

/** A crew on foot is a ring in its status colour around a dot: round like a car, but hollow. */
function drawFootDot(ctx, x, y, r, colour) {
  ctx.beginPath();
  ctx.arc(x, y, Math.max(1.5, r * 0.42), 0, Math.PI * 2, false);
  ctx.fillStyle = colour;
  ctx.globalAlpha = 1;
  ctx.fill();
}

/** A circle marker drawn as one of the shapes above (options.shape); clicks and tooltips work as for circles. */
export const ShapeMarker = L.CircleMarker.extend({
  options: { shape: 'car', dotColor: null },

  _updatePath() {
    const renderer = this._renderer;
    if (!renderer._drawing || this._empty()) return;
    const ctx = renderer._ctx;
    const p = this._point;
    const r = Math.max(Math.round(this._radius), 1);
    tracePath(ctx, this.options.shape, p.x, p.y, r);
    renderer._fillStroke(ctx, this);
    if (this.options.shape === 'foot' && this.options.dotColor) drawFootDot(ctx, p.x, p.y, r, this.options.dotColor);
  },
});

/** A small canvas showing one symbol, for the legend. */
export function swatch({ shape, fill, stroke = '#fff', weight = 1.5, dot = null, size = 18 }) {
  const canvas = document.createElement('canvas');
  const ratio = window.devicePixelRatio || 1;
  canvas.width = size * ratio;
  canvas.height = size * ratio;
  canvas.className = 'legend-swatch';
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  const r = size / 2 - 3;
  tracePath(ctx, shape, size / 2, size / 2, r);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = weight;
  ctx.strokeStyle = stroke;
  ctx.stroke();
  if (dot) drawFootDot(ctx, size / 2, size / 2, r, dot);
  return canvas;
}

export function incidentSymbol(incident) {
  const waiting = incident.status === 'new' || incident.status === 'queued';
  return {
    shape: PRIORITY_SHAPES[incident.priority] ?? 'square',
    radius: incident.priority === 1 ? 8 : 7,
    color: waiting ? '#000' : '#fff',
    weight: waiting ? 2 : 1.5,
    fillColor: PRIORITY_COLOURS[incident.priority] ?? '#607d8b',
    fillOpacity: 0.95,
  };
}

export function unitSymbol(unit, stale) {
  const colour = UNIT_COLOURS[unit?.status] ?? '#9e9e9e';
  const shape = unitShape(unit?.type);
  const foot = shape === 'foot';
  return {
    shape,
    radius: foot ? 7 : 6,
    color: foot ? colour : stale ? '#555' : '#fff',
    weight: foot ? 2.5 : 1.5,
    dashArray: stale ? '2 2' : null,
    fillColor: foot ? '#fff' : colour,
    dotColor: foot ? colour : null,
    fillOpacity: stale ? 0.35 : 1,
    opacity: stale && foot ? 0.6 : 1,
  };
}
