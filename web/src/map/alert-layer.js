// The map's layer of public alerts in force (ours solid, imported dashed, coloured by severity): their areas
// under the markers, so that an incident or a unit inside an area stays clickable; a click on an area shows its
// headline in the operator's language. The layer is an overlay a desk may hide, like the others.
import L from 'leaflet';
import { on } from '../core/bus.js';
import { SEVERITY_COLOURS, activeAlerts, alertText, areaText, startAlerts } from '../core/alerts.js';
import { h } from '../core/dom.js';
import { t, tOr } from '../core/i18n.js';
import { formatDateTime } from '../core/format.js';
import { canvasRenderer, isPicking, overlay, theMap } from './map.js';

const drawn = new Map(); // alert id → its Leaflet layers
let popup = null;

export function alertStyle(alert) {
  const colour = SEVERITY_COLOURS[alert.severity] ?? SEVERITY_COLOURS.Unknown;
  const imported = alert.origin === 'imported';
  return { color: colour, weight: 2, dashArray: imported ? '7 5' : null, fillColor: colour, fillOpacity: 0.12 };
}

/** What a click on an area tells: the headline, the event and severity, the area, until when, whose. */
function popupContent(alert) {
  const whose = alert.origin === 'imported'
    ? t('alerts.imported_from', { source: alert.source || alert.sender || '—' })
    : t('alerts.ours');
  return h('div', { class: 'alert-popup', testid: 'alert-popup', dataset: { alertId: alert.id, origin: alert.origin } },
    h('b', { testid: 'alert-popup-headline' }, alertText(alert)),
    h('div', null, `${alert.event} · ${tOr(`alerts.severity_${alert.severity}`, alert.severity)}`),
    areaText(alert) ? h('div', null, areaText(alert)) : null,
    h('small', { class: 'alert-popup-origin' },
      [alert.expires ? t('alerts.until', { time: formatDateTime(alert.expires) }) : null, whose].filter(Boolean).join(' · ')));
}

function openPopup(alert, latlng) {
  popup ??= L.popup({ maxWidth: 320, autoPan: true });
  popup.setLatLng(latlng).setContent(popupContent(alert)).openOn(theMap());
}

function layersOf(alert) {
  const style = { renderer: canvasRenderer(), ...alertStyle(alert) };
  const area = alert.area ?? {};
  const shapes = [
    ...(area.polygons ?? []).filter((ring) => ring.length >= 3).map((ring) => L.polygon(ring, style)),
    ...(area.circles ?? []).map(([lat, lon, km]) => L.circle([lat, lon], { ...style, radius: km * 1000 })),
  ];
  for (const shape of shapes) {
    shape.alertId = alert.id;
    shape.on('click', (event) => {
      if (isPicking()) return; // a click meant for picking a place goes on to the map
      openPopup(alert, event.latlng);
    });
  }
  return shapes;
}

/** Put every area under the markers (the canvas hit-tests the last drawn first). */
function sendBack() {
  for (const shapes of drawn.values()) for (const shape of shapes) if (shape._map) shape.bringToBack();
}

function publish() {
  const data = theMap().getContainer().dataset;
  const ids = [...drawn.keys()].sort((a, b) => a - b).join(',');
  if (data.alertIds !== ids) data.alertIds = ids;
  if (data.alerts !== String(drawn.size)) data.alerts = String(drawn.size);
}

function sync() {
  const group = overlay('alerts');
  if (!group) return;
  const wanted = new Map(activeAlerts().map((a) => [a.id, a]));
  for (const [id, shapes] of drawn) {
    if (wanted.has(id)) continue;
    for (const shape of shapes) group.removeLayer(shape);
    drawn.delete(id);
    if (popup?.isOpen() && popup.getContent()?.dataset?.alertId === String(id)) theMap().closePopup(popup);
  }
  for (const [id, alert] of wanted) {
    if (drawn.has(id)) continue;
    const shapes = layersOf(alert);
    for (const shape of shapes) group.addLayer(shape);
    drawn.set(id, shapes);
  }
  sendBack();
  publish();
}

/** Fit the map to an alert's area and show what it says (the Alerts page's rows). */
export function showAlertOnMap(alert) {
  const shapes = drawn.get(alert.id) ?? layersOf(alert);
  if (!shapes.length) return;
  const bounds = shapes.reduce((all, shape) => all.extend(shape.getBounds()), L.latLngBounds([]));
  theMap().fitBounds(bounds, { padding: [30, 30], animate: false, maxZoom: 15 });
  openPopup(alert, bounds.getCenter());
}

export function startAlertLayer() {
  const group = overlay('alerts');
  group?.on('add', sendBack); // shown again: its areas were drawn last, over the markers
  on('alerts', sync);
  setInterval(sync, 15000); // an alert past its expiry leaves the map before the next read
  publish();
  startAlerts();
}
