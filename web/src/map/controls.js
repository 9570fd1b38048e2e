// Map controls: the overlays a desk can switch off, the legend of the symbols, and following a unit.
import L from 'leaflet';
import { emit, on } from '../core/bus.js';
import { h, setText } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { unitStatus } from '../core/labels.js';
import { can } from '../core/domain.js';
import { state } from '../core/store.js';
import { OVERLAYS, overlayShown, showOverlay, theMap } from './map.js';
import { PRIORITY_COLOURS, PRIORITY_SHAPES, UNIT_COLOURS, swatch } from './symbols.js';
import { CAMERA_COLOURS } from './camera-layer.js';
import { HOTSPOT_COLOUR } from './coverage-layer.js';
import { PLACEMENT_COLOUR } from './placement-layer.js';

const LEGEND_KEY = 'kuzet.map.legend';
const FOLLOW_ZOOM = 15;
const LEGEND_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'busy', 'out_of_service'];

/** A Leaflet control holding `el`; clicks and wheel turns on it stay off the map (no picking through it). */
function control(el, position) {
  const Control = L.Control.extend({
    onAdd() {
      L.DomEvent.disableClickPropagation(el);
      L.DomEvent.disableScrollPropagation(el);
      return el;
    },
  });
  return new Control({ position });
}

function layersControl() {
  // The placement proposal (supervisor's view) and the coverage hot-spots (analytics page) are asked for by
  // the roles that read statistics.
  const names = OVERLAYS.filter((name) => !['placement', 'coverage'].includes(name) || can(state.user, 'readStats'));
  const boxes = names.map((name) => {
    const box = h('input', {
      type: 'checkbox',
      testid: `map-layer-${name}`,
      checked: overlayShown(name),
      onchange: () => showOverlay(name, box.checked),
    });
    return h('label', { class: 'map-layer' }, box, h('span', { 'data-t': `map.layer_${name}` }));
  });
  const el = h(
    'fieldset',
    { class: 'map-box map-layers', testid: 'map-layers' },
    h('legend', { 'data-t': 'map.layers' }),
    boxes,
  );
  applyTexts(el);
  return { el, relabel: () => applyTexts(el) };
}

function legendControl() {
  const body = h('div', { class: 'map-legend-body' });
  const toggle = h('button', { type: 'button', class: 'map-legend-toggle', testid: 'map-legend-toggle', 'data-t': 'map.legend' });
  const el = h('div', { class: 'map-box map-legend', testid: 'map-legend' }, toggle, body);
  const setOpen = (open) => {
    body.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    localStorage.setItem(LEGEND_KEY, open ? 'open' : 'closed');
  };
  toggle.addEventListener('click', () => setOpen(body.hidden));
  const item = (symbol, text, testid) =>
    h('li', { class: 'legend-item', testid }, swatch(symbol), h('span', null, text));
  const render = () => {
    const priorities = [1, 2, 3, 4].map((n) =>
      item(
        { shape: PRIORITY_SHAPES[n], fill: PRIORITY_COLOURS[n] },
        `${t('priority.short', { n })} · ${t(`priority.${n}`)}`,
        `legend-priority-${n}`,
      ),
    );
    const waiting = item({ shape: 'square', fill: '#fff', stroke: '#000', weight: 2 }, t('map.legend_waiting'), 'legend-waiting');
    const types = [
      item({ shape: 'car', fill: '#56606b' }, t('map.unit_car'), 'legend-unit-car'),
      item({ shape: 'foot', fill: '#fff', stroke: '#56606b', weight: 2.5, dot: '#56606b' }, t('map.unit_foot'), 'legend-unit-foot'),
    ];
    const statuses = LEGEND_STATUSES.map((status) =>
      item({ shape: 'car', fill: UNIT_COLOURS[status] }, unitStatus(status), `legend-status-${status}`),
    );
    const stale = item({ shape: 'car', fill: 'rgba(46, 125, 50, 0.35)', stroke: '#555' }, t('map.legend_stale'), 'legend-stale');
    const sector = (colour, kind) => {
      const mark = h('span', { class: 'legend-sector' });
      mark.style.setProperty('--sector', colour); // through the CSSOM: the policy refuses style attributes
      return h('li', { class: 'legend-item', testid: `legend-${kind}` }, mark, h('span', null, t(`map.legend_${kind.replace('-', '_')}`)));
    };
    const area = (kind) => h('li', { class: 'legend-item', testid: `legend-alert-${kind}` },
      h('span', { class: `legend-area legend-area-${kind}` }), h('span', null, t(`map.legend_alert_${kind}`)));
    body.replaceChildren(
      h('div', { class: 'legend-title' }, t('map.legend_incidents')),
      h('ul', { class: 'legend-list' }, priorities, waiting),
      h('div', { class: 'legend-title' }, t('map.legend_units')),
      h('ul', { class: 'legend-list' }, types, statuses, stale),
      h('div', { class: 'legend-title' }, t('map.legend_alerts')),
      h('ul', { class: 'legend-list' }, area('ours'), area('imported')),
      h('div', { class: 'legend-title' }, t('map.legend_cameras')),
      h('ul', { class: 'legend-list' }, ['online', 'seeing', 'offline'].map((kind) => sector(CAMERA_COLOURS[kind], `camera-${kind}`)),
        can(state.user, 'readStats') ? sector(PLACEMENT_COLOUR, 'placement') : null,
        can(state.user, 'readStats') ? sector(HOTSPOT_COLOUR, 'coverage') : null),
    );
    applyTexts(el);
  };
  render();
  setOpen(localStorage.getItem(LEGEND_KEY) !== 'closed');
  return { el, relabel: render };
}

/** Following a unit: the map keeps it centred as its position comes in, until the desk stops it. */
function followControl(map) {
  let chosen = null;
  let followed = null;
  const label = h('span', { class: 'follow-label', testid: 'map-follow-label' });
  const start = h('button', { type: 'button', testid: 'map-follow', onclick: () => follow(chosen) });
  const stop = h('button', { type: 'button', testid: 'map-follow-stop', 'data-t': 'map.follow_stop', onclick: () => follow(null) });
  const el = h('div', { class: 'map-box map-follow', testid: 'map-follow-box', hidden: true }, label, start, stop);
  const callSign = (id) => state.units.get(id)?.call_sign ?? String(id);
  const render = () => {
    el.hidden = chosen === null && followed === null;
    start.hidden = followed !== null || chosen === null;
    stop.hidden = followed === null;
    setText(label, followed !== null ? t('map.following', { call_sign: callSign(followed) }) : '');
    setText(start, chosen !== null ? t('map.follow', { call_sign: callSign(chosen) }) : '');
    applyTexts(el);
    map.getContainer().dataset.follow = followed === null ? '' : String(followed);
  };
  const centre = (zoom) => {
    const position = state.positions.get(followed);
    if (position) map.setView([position.lat, position.lon], zoom ?? map.getZoom(), { animate: false });
  };
  const follow = (id) => {
    followed = id ?? null;
    if (followed !== null) centre(Math.max(map.getZoom(), FOLLOW_ZOOM));
    render();
  };
  on('map-unit-chosen', (id) => {
    chosen = id;
    render();
  });
  on('follow-unit', (id) => follow(id));
  on('positions', (ids) => {
    if (followed !== null && (!ids || ids.has(followed))) centre();
  });
  on('units', () => {
    if (followed !== null && state.units.get(followed)?.on_duty === false) follow(null);
    render();
  });
  map.on('dragstart', () => followed !== null && follow(null)); // taking the map by hand stops following
  render();
  return { el, relabel: render };
}

/** Put the controls on the map and keep their texts in the chosen language. */
export function startControls() {
  const map = theMap();
  const parts = [
    [layersControl(), 'topright'],
    [followControl(map), 'topleft'],
    [legendControl(), 'bottomleft'],
  ];
  for (const [part, position] of parts) control(part.el, position).addTo(map);
  on('locale', () => {
    for (const [part] of parts) part.relabel();
  });
}

/** Ask the map to follow a unit (another view's button). */
export function followUnit(id) {
  emit('follow-unit', id);
}
