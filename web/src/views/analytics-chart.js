// Trend charts of the analytics page, drawn as SVG by our own code (no chart library on a closed network):
// bars for counts, a line with dots for durations. Each mark carries its value (data-value) and a tooltip.
import { intlLocale } from '../core/i18n.js';

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 520;
const HEIGHT = 150;
const PAD = { left: 40, right: 8, top: 10, bottom: 24 };

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten, at least `max`. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max);
}

function frame(points, top, format, testid) {
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'data-testid': testid,
  });
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const number = new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 1 });
  for (const share of [0, 0.5, 1]) {
    const y = PAD.top + plotH * (1 - share);
    root.append(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: 'chart-grid' }));
    root.append(svg('text', { x: PAD.left - 4, y: y + 3, class: 'chart-axis', 'text-anchor': 'end' }, number.format(top * share)));
  }
  // Labels under the first, the middle and the last point, so that they never overlap.
  const step = plotW / Math.max(points.length, 1);
  const labelled = new Set([0, Math.floor((points.length - 1) / 2), points.length - 1]);
  points.forEach((point, i) => {
    if (!labelled.has(i)) return;
    root.append(svg('text', { x: PAD.left + step * (i + 0.5), y: HEIGHT - 8, class: 'chart-axis', 'text-anchor': 'middle' }, point.label));
  });
  const place = (i, value) => ({ x: PAD.left + step * (i + 0.5), y: PAD.top + plotH * (1 - value / top), step, plotH });
  const tip = (point) => svg('title', {}, `${point.label}: ${format(point.value)}`);
  return { root, place, tip };
}

/** Bars of counts: [{label, value}]. */
export function barChart(points, { testid, format = String }) {
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const { root, place, tip } = frame(points, top, format, testid);
  points.forEach((point, i) => {
    const { x, y, step } = place(i, point.value);
    const width = Math.min(48, Math.max(2, step * 0.7));
    const bar = svg('rect', {
      x: x - width / 2, y, width, height: Math.max(0, HEIGHT - PAD.bottom - y), class: 'chart-bar', 'data-value': point.value,
    });
    bar.append(tip(point));
    root.append(bar);
  });
  return root;
}

/** A line of values (null leaves a gap): [{label, value}]. */
export function lineChart(points, { testid, format = String }) {
  const known = points.filter((p) => p.value !== null && p.value !== undefined);
  const top = niceMax(Math.max(0, ...known.map((p) => p.value)));
  const { root, place, tip } = frame(points, top, format, testid);
  let path = '';
  let pen = 'M';
  points.forEach((point, i) => {
    if (point.value === null || point.value === undefined) {
      pen = 'M';
      return;
    }
    const { x, y } = place(i, point.value);
    path += `${pen}${x.toFixed(1)},${y.toFixed(1)} `;
    pen = 'L';
  });
  if (path) root.append(svg('path', { d: path.trim(), class: 'chart-line' }));
  points.forEach((point, i) => {
    if (point.value === null || point.value === undefined) return;
    const { x, y } = place(i, point.value);
    const dot = svg('circle', { cx: x, cy: y, r: 3, class: 'chart-dot', 'data-value': point.value });
    dot.append(tip(point));
    root.append(dot);
  });
  return root;
}
