// Street names on the map, from our own road graph (no tiles): at close zoom only, along each street's
// visible stretch, once per stretch, main roads first, and never on top of another name.
import L from 'leaflet';

export const STREET_LABEL_ZOOM = 16;
const FONT = "600 11px system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', Arial, sans-serif";
const EDGE_PX = 12; // labels keep this far from the map's edge
const PAD_PX = 6; // and this far from each other
const SAME_NAME_PX = 220; // the same name is not repeated closer than this

/**
 * Join the named lines of one street into chains: lines of the same name that meet end to end become one
 * polyline, so that a street cut at every crossing still gets its name along a stretch long enough to read.
 * `lines` are arrays of [lat, lon]; returns [{name, tier, points, bounds}].
 */
export function streetChains(lines, tiers, names, lineNames) {
  const byName = new Map();
  lineNames.forEach((n, i) => {
    if (n === null || n === undefined || n < 0 || !names[n] || lines[i].length < 2) return;
    if (!byName.has(n)) byName.set(n, []);
    byName.get(n).push(i);
  });
  const key = (point) => `${point[0].toFixed(5)},${point[1].toFixed(5)}`;
  const chains = [];
  for (const [n, members] of byName) {
    const ends = new Map(); // endpoint → lines of this street ending there
    for (const i of members) {
      for (const point of [lines[i][0], lines[i][lines[i].length - 1]]) {
        const k = key(point);
        if (!ends.has(k)) ends.set(k, []);
        ends.get(k).push(i);
      }
    }
    const used = new Set();
    const extend = (points, tail) => {
      for (;;) {
        const next = (ends.get(key(points[points.length - 1])) ?? []).find((j) => !used.has(j));
        if (next === undefined) return points;
        used.add(next);
        tail.tier = Math.min(tail.tier, tiers[next] ?? 2);
        const line = lines[next];
        const forward = key(line[0]) === key(points[points.length - 1]);
        points.push(...(forward ? line.slice(1) : line.slice(0, -1).reverse()));
      }
    };
    // Longest lines first, so a chain starts from a street's main body rather than a stub.
    for (const i of [...members].sort((a, b) => lines[b].length - lines[a].length)) {
      if (used.has(i)) continue;
      used.add(i);
      const chain = { name: names[n], tier: tiers[i] ?? 2 };
      const after = extend([...lines[i]], chain);
      const before = extend([lines[i][0]], chain).reverse();
      chain.points = [...before.slice(0, -1), ...after];
      chain.bounds = L.latLngBounds(chain.points);
      chains.push(chain);
    }
  }
  chains.sort((a, b) => a.tier - b.tier);
  return chains;
}

/** Runs of consecutive screen points inside `rect`, each as {points, length}. */
function visibleRuns(screen, rect) {
  const runs = [];
  let run = [];
  const close = () => {
    if (run.length > 1) {
      let length = 0;
      for (let i = 1; i < run.length; i += 1) length += run[i].distanceTo(run[i - 1]);
      runs.push({ points: run, length });
    }
    run = [];
  };
  for (const p of screen) {
    if (rect.contains(p)) run.push(p);
    else close();
  }
  close();
  return runs;
}

/** The point `distance` pixels along a run of points. */
function along(points, distance) {
  let left = distance;
  for (let i = 1; i < points.length; i += 1) {
    const step = points[i].distanceTo(points[i - 1]);
    if (left <= step && step > 0) return points[i - 1].add(points[i].subtract(points[i - 1]).multiplyBy(left / step));
    left -= step;
  }
  return points[points.length - 1];
}

function overlaps(a, b) {
  return a.min.x < b.max.x && b.min.x < a.max.x && a.min.y < b.max.y && b.min.y < a.max.y;
}

/**
 * A layer of its own canvas under the markers, redrawn when the view settles. With no name to show (region
 * zoom) the canvas is emptied and taken out of the page: the browser hands every canvas on the page to its
 * compositor again each frame that anything changes, and a map-sized empty one would cost that for nothing.
 */
export const StreetLabels = L.Layer.extend({
  initialize(options) {
    L.setOptions(this, options);
    this._chains = [];
    this._placed = [];
  },

  setStreets(chains) {
    this._chains = chains;
    if (this._map) this._redraw();
  },

  onAdd(map) {
    this._canvas = L.DomUtil.create('canvas', 'street-labels leaflet-zoom-hide');
    this.getPane().appendChild(this._canvas);
    map.on('moveend zoomend resize', this._redraw, this);
    this._redraw();
  },

  onRemove(map) {
    map.off('moveend zoomend resize', this._redraw, this);
    this._canvas.remove();
    this._canvas = null;
    this._placed = [];
    this._publish();
  },

  /** The names drawn now (for the browser tests and for people reading the DOM). */
  placedNames() {
    return this._placed.map((label) => label.name);
  },

  _publish() {
    const data = this._map?.getContainer().dataset ?? this.options.container?.dataset;
    if (!data) return;
    const count = String(this._placed.length);
    const names = this._placed.map((label) => label.name).join('|');
    if (data.streetLabels !== count) data.streetLabels = count;
    if (data.streetLabelNames !== names) data.streetLabelNames = names;
  },

  _redraw() {
    const map = this._map;
    if (!map || !this._canvas) return;
    const canvas = this._canvas;
    this._placed = [];
    if (map.getZoom() >= STREET_LABEL_ZOOM && this._chains.length) {
      const size = map.getSize();
      const ratio = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x * ratio; // also clears it
      canvas.height = size.y * ratio;
      canvas.style.width = `${size.x}px`;
      canvas.style.height = `${size.y}px`;
      const ctx = canvas.getContext('2d');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      this._place(map, ctx, size);
    }
    if (this._placed.length) {
      canvas.style.display = '';
    } else if (canvas.style.display !== 'none') {
      canvas.style.display = 'none';
      canvas.width = 0;
      canvas.height = 0;
    }
    this._publish();
  },

  _place(map, ctx, size) {
    ctx.font = FONT;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    const view = map.getBounds();
    const rect = L.bounds([EDGE_PX, EDGE_PX], [size.x - EDGE_PX, size.y - EDGE_PX]);
    const boxes = [];
    const seen = new Map(); // name → centres placed
    for (const chain of this._chains) {
      if (!view.intersects(chain.bounds)) continue;
      const width = ctx.measureText(chain.name).width;
      const screen = chain.points.map((point) => map.latLngToContainerPoint(point));
      const runs = visibleRuns(screen, rect).sort((a, b) => b.length - a.length);
      for (const run of runs) {
        if (run.length < width + 16) break;
        const middle = along(run.points, run.length / 2);
        const same = seen.get(chain.name) ?? [];
        if (same.some((c) => c.distanceTo(middle) < SAME_NAME_PX)) continue;
        const from = along(run.points, Math.max(0, run.length / 2 - width / 2));
        const to = along(run.points, Math.min(run.length, run.length / 2 + width / 2));
        let angle = Math.atan2(to.y - from.y, to.x - from.x);
        if (angle > Math.PI / 2) angle -= Math.PI;
        if (angle < -Math.PI / 2) angle += Math.PI;
        const half = L.point(
          (Math.abs(Math.cos(angle)) * width + Math.abs(Math.sin(angle)) * 12) / 2 + PAD_PX,
          (Math.abs(Math.sin(angle)) * width + Math.abs(Math.cos(angle)) * 12) / 2 + PAD_PX,
        );
        const box = L.bounds(middle.subtract(half), middle.add(half));
        if (boxes.some((other) => overlaps(box, other))) continue;
        boxes.push(box);
        seen.set(chain.name, [...same, middle]);
        this._placed.push({ name: chain.name, x: middle.x, y: middle.y });
        ctx.save();
        ctx.translate(middle.x, middle.y);
        ctx.rotate(angle);
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.92)';
        ctx.strokeText(chain.name, 0, 0);
        ctx.fillStyle = '#37414b';
        ctx.fillText(chain.name, 0, 0);
        ctx.restore();
      }
    }
  },
});
