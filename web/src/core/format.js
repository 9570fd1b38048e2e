// Server-aligned "now", and times shown in Asia/Almaty whatever the workstation's own zone is.
import { intlLocale, t } from './i18n.js';

const ZONE = 'Asia/Almaty';
let offsetMs = 0;
let offsetKnown = false;

/** Align with the server clock from a response's Date header (1 s resolution, so only larger drifts count). */
export function noteServerDate(header) {
  const server = Date.parse(header ?? '');
  if (Number.isNaN(server)) return;
  const drift = server + 500 - Date.now();
  if (!offsetKnown || Math.abs(drift - offsetMs) > 1500) {
    offsetMs = Math.abs(drift) > 1500 ? drift : 0;
    offsetKnown = true;
  }
}

export function now() {
  return Date.now() + offsetMs;
}

/** Milliseconds since the epoch of an API time stamp (ISO 8601, possibly with microseconds). */
export function parseTime(iso) {
  if (!iso) return null;
  const trimmed = iso.replace(/(\.\d{3})\d+/, '$1');
  const value = Date.parse(trimmed);
  return Number.isNaN(value) ? null : value;
}

const formatters = new Map();
function formatter() {
  const key = intlLocale();
  if (!formatters.has(key)) {
    const options = { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    formatters.set(key, new Intl.DateTimeFormat(intlLocale(), { timeZone: ZONE, ...options }));
  }
  return formatters.get(key);
}

/** Day, month and time in Almaty, laid out the same in every language (DD.MM HH:MM:SS). */
function parts(value) {
  const ms = typeof value === 'number' ? value : parseTime(value);
  if (ms === null) return null;
  const found = {};
  for (const part of formatter().formatToParts(ms)) found[part.type] = part.value;
  return found;
}

/** HH:MM:SS in Almaty. */
export function formatTime(value) {
  const p = parts(value);
  return p ? `${p.hour}:${p.minute}:${p.second}` : '—';
}

/** DD.MM HH:MM:SS in Almaty. */
export function formatDateTime(value) {
  const p = parts(value);
  return p ? `${p.day}.${p.month} ${p.hour}:${p.minute}:${p.second}` : '—';
}

/** mm:ss (minutes keep counting past 60, as dispatch timers do). */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  const whole = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  return `${String(minutes).padStart(2, '0')}:${String(rest).padStart(2, '0')}`;
}

export function formatDistance(metres) {
  if (metres === null || metres === undefined) return '—';
  if (metres < 1000) return t('fmt.metres', { n: Math.round(metres) });
  return t('fmt.km', { n: (metres / 1000).toFixed(1) });
}
