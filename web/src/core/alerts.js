// Public alerts in force (ours and imported, GET /api/v1/alerts?active=true), shared by the map's layer and
// the supervisor's Alerts page: read at start, every half minute, on a live 'alert' event and after the desk
// issues, updates or cancels one; each read emits 'alerts' on the bus. Also the words of the CAP codes and
// the alert's headline in the operator's language, and the local (Asia/Almaty) times of the form.
import { get } from './api.js';
import { emit } from './bus.js';
import { locale } from './i18n.js';
import { now, parseTime } from './format.js';

const REFRESH_MS = 30000;
const ZONE = 'Asia/Almaty';

export const CAP_CATEGORIES = ['Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Met', 'Geo', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'];
export const CAP_URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'];
export const CAP_SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'];
export const CAP_CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'];
export const SEVERITY_COLOURS = { Extreme: '#8e0000', Severe: '#d84315', Moderate: '#f9a825', Minor: '#1565c0', Unknown: '#607d8b' };

let alerts = [];
let timer = null;
let loading = null;
let again = false; // asked during a read: the change may have come after it, so read once more
let refused = false;

/** The alerts in force as last read (their expiry not yet past on the server's clock). */
export function activeAlerts() {
  const at = now();
  return alerts.filter((a) => !a.expires || (parseTime(a.expires) ?? Infinity) > at);
}

/** Read the alerts in force again (one read at a time; a call during one waits for it, and for one more
 * read after it, which may see a change committed while the first was on its way). */
export function refreshAlerts() {
  if (refused) return Promise.resolve(alerts);
  if (loading) {
    again = true;
    return loading.then(() => (again ? refreshAlerts() : alerts));
  }
  loading = get('/api/v1/alerts?active=true')
    .then((answer) => {
      const items = Array.isArray(answer) ? answer : answer?.items ?? answer?.alerts ?? [];
      alerts = items.filter((a) => a.active !== false && !a.cancelled && !a.superseded_by);
      emit('alerts', alerts);
      return alerts;
    })
    .catch((error) => {
      if (error.status === 403) refused = true; // a role that does not see alerts: asked no more
      else console.debug('alerts', error?.message);
      return alerts;
    })
    .finally(() => {
      loading = null;
    });
  again = false;
  return loading;
}

/** Keep the alerts fresh (once per page; the map window has its own). */
export function startAlerts() {
  if (timer !== null) return;
  refreshAlerts();
  timer = setInterval(refreshAlerts, REFRESH_MS);
}

/** An alert's text in the operator's language, else Russian, Kazakh or any language it has. */
export function alertText(alert, field = 'headline') {
  const texts = alert.texts ?? {};
  for (const language of [locale(), 'ru', 'kk', ...Object.keys(texts)]) {
    const value = texts[language]?.[field];
    if (value) return value;
  }
  return field === 'headline' ? alert.event : '';
}

/** The area's words in the operator's language when the alert has them. */
export function areaText(alert) {
  const area = alert.area ?? {};
  return area.descriptions?.[locale()] || area.description || '';
}

// Local (Asia/Almaty) wall time for <input type="datetime-local">, and back to an instant.
const wall = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

function wallParts(ms) {
  const found = {};
  for (const part of wall.formatToParts(ms)) found[part.type] = part.value;
  return found;
}

/** YYYY-MM-DDTHH:MM in Almaty of an instant (ms or ISO text). */
export function toLocalInput(value) {
  const ms = typeof value === 'number' ? value : parseTime(value);
  if (ms === null) return '';
  const p = wallParts(ms);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** The instant (ISO 8601, UTC) of an Almaty wall time YYYY-MM-DDTHH:MM, or null. */
export function fromLocalInput(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text ?? '');
  if (!match) return null;
  const [, y, mo, d, hh, mi] = match.map(Number);
  const asUtc = Date.UTC(y, mo - 1, d, hh, mi);
  let guess = asUtc;
  for (let i = 0; i < 2; i += 1) { // the zone's offset at that moment, found by formatting it there
    const p = wallParts(guess);
    const shown = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute));
    guess += asUtc - shown;
  }
  return new Date(guess).toISOString().replace('.000Z', 'Z');
}
