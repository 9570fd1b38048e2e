// Read-only parts of the incident card: the facts, the appeals of every channel, the timeline.
import { authHeaders } from '../core/api.js';
import { h } from '../core/dom.js';
import { toastError } from '../core/toast.js';
import { t, tOr } from '../core/i18n.js';
import {
  categoryName, channel, disposition, district, incidentStatus, phoneKind, timelineKind,
} from '../core/labels.js';
import { formatDateTime, formatDistance, formatDuration, formatTime } from '../core/format.js';
import { panTo } from '../map/map.js';
import { agencyName } from './card-handover.js';

const INTERVALS = ['call_processing', 'turnout', 'travel', 'response'];
const STAMPS = ['received_at', 'first_dispatched_at', 'first_en_route_at', 'first_on_scene_at', 'cleared_at', 'closed_at'];

const fact = (labelKey, ...value) => h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, t(labelKey)), h('span', { class: 'fact-value' }, ...value));

export function factsSection(card) {
  const incident = card.incident;
  const place = incident.lat !== null
    ? h('button', { type: 'button', class: 'link', onclick: () => panTo(incident.lat, incident.lon, 16) }, `${incident.lat.toFixed(5)}, ${incident.lon.toFixed(5)}`)
    : t('card.no_point');
  const stamps = STAMPS.filter((key) => incident.stamps[key]).map((key) => `${t(`stamp.${key}`)} ${formatTime(incident.stamps[key])}`);
  const intervals = INTERVALS.filter((key) => incident.intervals[key] !== null).map((key) => `${t(`interval.${key}`)} ${formatDuration(incident.intervals[key])}`);
  return h(
    'section',
    { class: 'card-section facts' },
    fact('card.category', `${categoryName(incident.category_code)} (${incident.category_code})`),
    fact('card.address', incident.address ? [incident.address, ' · '] : null, place, incident.location_verified_by ? h('span', { class: 'badge' }, t('card.verified')) : null),
    fact('card.district', district(incident.district)),
    fact('card.received', formatDateTime(incident.stamps.received_at)),
    stamps.length > 1 ? fact('card.stamps', stamps.slice(1).join(' · ')) : null,
    intervals.length ? fact('card.intervals', intervals.join(' · ')) : null,
    incident.injured !== null && incident.injured !== undefined
      ? h('div', { testid: 'card-injured' }, fact('card.injured', String(incident.injured)))
      : null,
    incident.disposition ? fact('card.disposition', disposition(incident.disposition)) : null,
    incident.reopen_count ? fact('card.reopened', String(incident.reopen_count)) : null,
    incident.merged_into_id !== null ? fact('card.merged_into', `#${incident.merged_into_id}`) : null,
    card.children.length ? fact('card.children', card.children.map((c) => c.number).join(', ')) : null,
    h('div', { class: 'description' }, incident.description),
  );
}

/**
 * A page of its own for one photo. A blob: page keeps the console's Content-Security-Policy, which refuses the
 * inline styles of chromium's built-in image page; this page takes its look from the console's stylesheet.
 */
function photoPage(imageUrl) {
  const stylesheet = document.querySelector('link[rel="stylesheet"]').href;
  const html = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${stylesheet}">`
    + `</head><body class="photo-page"><img src="${imageUrl}" alt="" data-testid="photo"></body></html>`;
  return URL.createObjectURL(new Blob([html], { type: 'text/html' }));
}

/** Open a partner's photo, video or voice message: fetched with the session's token, shown from a blob. */
async function openMedia(url) {
  try {
    const response = await fetch(url, { headers: authHeaders() });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const blob = await response.blob();
    const shown = URL.createObjectURL(blob);
    window.open(blob.type.startsWith('image/') ? photoPage(shown) : shown, '_blank', 'noopener');
  } catch (error) {
    toastError(error);
  }
}

function mediaList(media) {
  if (!media?.length) return null;
  return h('ul', { class: 'media', testid: 'media' }, media.map((m) => {
    const label = `${tOr(`media.${m.kind}`, m.kind)} · ${m.mime} · ${Math.max(1, Math.round(m.size / 1024))} KB`;
    return h('li', null, m.url ? h('button', { type: 'button', class: 'link', onclick: () => openMedia(m.url) }, label) : label);
  }));
}

/** The appeals of the card; `tools(appeal)`, when given, adds controls under each (moving it elsewhere). */
export function appealsSection(card, tools = () => null) {
  const items = card.appeals.map((appeal) => {
    const source = appeal.partner ? `${channel(appeal.channel)} · ${tOr(`partner.${appeal.partner}`, appeal.partner)}` : channel(appeal.channel);
    const caller = [
      appeal.caller_phone ? `${appeal.caller_phone}${appeal.phone_kind ? ` (${phoneKind(appeal.phone_kind)})` : ''}` : null,
      appeal.caller_name,
      appeal.caller_iin ? `${t('card.iin')} ${appeal.caller_iin}` : null,
    ].filter(Boolean).join(' · ');
    const where = [
      appeal.address,
      appeal.lat !== null ? `${appeal.lat.toFixed(5)}, ${appeal.lon.toFixed(5)}` : null,
      appeal.accuracy_m !== null ? `± ${formatDistance(appeal.accuracy_m)}` : null,
    ].filter(Boolean).join(' · ');
    return h(
      'li',
      { class: `appeal channel-${appeal.channel}`, testid: 'appeal', dataset: { appealId: appeal.id } },
      h('div', { class: 'appeal-head' },
        h('b', null, appeal.number),
        h('span', { class: 'badge' }, source),
        h('small', null, formatDateTime(appeal.received_at)),
        appeal.incident_id !== card.incident.id ? h('small', null, `→ #${appeal.incident_id}`) : null),
      caller ? h('div', { class: 'appeal-caller' }, caller) : null,
      h('div', { class: 'appeal-text' }, appeal.text),
      where ? h('div', { class: 'appeal-where' },
        appeal.lat !== null ? h('button', { type: 'button', class: 'link', onclick: () => panTo(appeal.lat, appeal.lon, 16) }, where) : where) : null,
      mediaList(appeal.media),
      tools(appeal),
    );
  });
  return h('section', { class: 'card-section', testid: 'appeals' },
    h('div', { class: 'section-title' }, t('card.appeals', { count: card.appeals.length })),
    h('ul', { class: 'appeals' }, items));
}

function timelineDetail(entry) {
  const d = entry.data ?? {};
  const parts = [];
  if (d.status_before && d.status && d.status_before !== d.status) {
    parts.push(`${incidentStatus(d.status_before)} → ${incidentStatus(d.status)}`);
  } else if (d.status && !d.unit) {
    parts.push(incidentStatus(d.status));
  }
  if (d.unit) parts.push(d.unit);
  if (d.appeal_number) parts.push(`${d.appeal_number}${d.channel ? ` (${channel(d.channel)})` : ''}`);
  if (d.parent_number) parts.push(d.parent_number);
  if (d.child_number) parts.push(d.child_number);
  if (d.category && entry.kind === 'created') parts.push(`${categoryName(d.category)}, ${t('priority.short', { n: d.priority })}`);
  if (entry.kind === 'recategorised') {
    parts.push(`${categoryName(d.category_before)}, ${t('priority.short', { n: d.priority_before })} → ${categoryName(d.category)}, ${t('priority.short', { n: d.priority })}`);
  }
  if (entry.kind === 'injured') parts.push(`${d.injured_before ?? '—'} → ${d.injured ?? '—'}`);
  if (d.disposition) parts.push(disposition(d.disposition));
  if (d.reason) parts.push(d.reason);
  if (d.note) parts.push(d.note);
  if (d.last_unit_cleared) parts.push(t('timeline.last_unit_cleared'));
  if (d.arrival_confirmed_by_operator) parts.push(t('timeline.far_arrival', { distance: formatDistance(d.far_arrival_m) }));
  if (d.alarm) parts.push(t(`alarm.${d.alarm}`));
  if (d.agency) parts.push(agencyName(d.agency));
  if (d.units?.length) parts.push(d.units.join(', '));
  if (d.agency_at) parts.push(t('timeline.agency_at', { time: formatTime(d.agency_at) }));
  return parts.join(' · ');
}

export function timelineSection(card) {
  const entries = card.timeline.slice().reverse().map((entry) =>
    h('li', { class: 'tl', dataset: { kind: entry.kind } },
      h('span', { class: 'tl-time' }, formatTime(entry.at)),
      h('span', { class: 'tl-kind' }, timelineKind(entry.kind)),
      h('span', { class: 'tl-detail' }, timelineDetail(entry)),
      h('small', { class: 'tl-actor' }, entry.actor)));
  return h('section', { class: 'card-section', testid: 'timeline' },
    h('div', { class: 'section-title' }, t('card.timeline')),
    h('ol', { class: 'timeline' }, entries));
}

export function statusBadge(status) {
  return h('span', { class: `status status-${status}`, testid: 'incident-status' }, incidentStatus(status));
}
