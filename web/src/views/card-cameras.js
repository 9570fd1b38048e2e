// The card's Cameras section (GET /api/v1/incidents/{id}/cameras): the cameras that see the incident, nearest
// first, then the nearby ones that do not, with the reason in words. To the roles allowed to watch, each
// camera that sees it offers its live picture (through the server's proxy, in the card) and a footage request
// (a time window and a reason, for the investigation's chain of custody).
import { get, post } from '../core/api.js';
import { can } from '../core/domain.js';
import { h } from '../core/dom.js';
import { t, tOr } from '../core/i18n.js';
import { formatDistance, now } from '../core/format.js';
import { state } from '../core/store.js';
import { toastError, toastInfo } from '../core/toast.js';

const ZONE = 'Asia/Almaty';
const FOOTAGE_MINUTES = 15; // the window offered: the quarter of an hour before the form opened

export const canWatch = () => can(state.user, 'watchCameras');

export function fetchCameras(incidentId) {
  return get(`/api/v1/incidents/${incidentId}/cameras`);
}

export const cameraType = (type) => tOr(`cameras.type_${type}`, type);

/** The reason a nearby camera does not see the incident, in words. */
function reasonText(entry) {
  if (entry.reason === 'not_active') return tOr(`cameras.status_${entry.camera.status}`, entry.camera.status);
  if (entry.reason === 'too_far') return t('cameras.reason_too_far', { range: formatDistance(entry.camera.range_m) });
  return tOr(`cameras.reason_${entry.reason}`, entry.reason);
}

// Times are typed and shown in Almaty, whatever the workstation's own zone is.
const zoned = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

function localInput(ms) {
  const p = Object.fromEntries(zoned.formatToParts(ms).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** "YYYY-MM-DDTHH:MM" read as Almaty's time, to an ISO instant in UTC (null when unreadable). */
function fromLocalInput(value) {
  const found = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value ?? '');
  if (!found) return null;
  const [year, month, day, hour, minute] = found.slice(1).map(Number);
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const shown = fromLocalParts(zoned.formatToParts(guess));
  return new Date(guess - (shown - guess)).toISOString();
}

function fromLocalParts(parts) {
  const p = Object.fromEntries(parts.map((part) => [part.type, Number(part.value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
}

function footageForm(ctx, camera, onClose) {
  const end = now() - 60000;
  const start = h('input', { type: 'datetime-local', testid: 'footage-start', required: true, value: localInput(end - FOOTAGE_MINUTES * 60000) });
  const finish = h('input', { type: 'datetime-local', testid: 'footage-end', required: true, value: localInput(end) });
  const reason = h('input', { testid: 'footage-reason', maxlength: 1000, required: true });
  const problems = h('div', { class: 'form-problems', testid: 'footage-problems', role: 'alert' });
  const confirm = h('button', { type: 'submit', class: 'primary', testid: 'footage-confirm' }, t('cameras.footage_send'));
  const form = h('form', { class: 'action-form footage-form', testid: 'footage-form' },
    h('div', { class: 'action-title' }, t('cameras.footage_title', { camera: camera.camera_id })),
    h('label', { class: 'field' }, h('span', null, t('cameras.footage_start')), start),
    h('label', { class: 'field' }, h('span', null, t('cameras.footage_end')), finish),
    h('label', { class: 'field' }, h('span', null, t('cameras.footage_reason')), reason),
    problems,
    h('div', { class: 'form-actions' }, confirm,
      h('button', { type: 'button', testid: 'footage-cancel', onclick: onClose }, t('action.cancel'))));
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      reason.focus();
      return;
    }
    confirm.disabled = true;
    try {
      await post(`/api/v1/cameras/${encodeURIComponent(camera.camera_id)}/footage-requests`, {
        incident_id: ctx.incident.id,
        window_start: fromLocalInput(start.value),
        window_end: fromLocalInput(finish.value),
        reason: reason.value.trim(),
      });
      toastInfo(t('cameras.footage_sent', { camera: camera.camera_id }));
      onClose();
    } catch (error) {
      confirm.disabled = false;
      const fields = error.fieldErrors ?? [];
      problems.replaceChildren(...(fields.length ? fields.map((f) => h('div', null, f.message)) : [h('div', null, error.message)]));
      if (!fields.length) toastError(error);
    }
  });
  queueMicrotask(() => reason.focus());
  return form;
}

function cameraFacts(entry) {
  const camera = entry.camera;
  return [
    h('b', { class: 'camera-name' }, camera.camera_id), ' ',
    h('span', { class: 'camera-distance', testid: 'camera-distance' }, formatDistance(entry.distance_m)), ' · ',
    h('span', null, cameraType(camera.type)), ' · ',
    h('span', { class: 'camera-owner' }, camera.owner),
  ];
}

function seeingRow(ctx, entry, viewer) {
  const camera = entry.camera;
  const watching = viewer.cameraId() === camera.camera_id;
  const footageKey = `camera:footage:${camera.camera_id}`;
  const tools = canWatch() && (camera.has_snapshot_url || camera.has_stream_url)
    ? [
        h('button', {
          type: 'button', class: watching ? 'primary' : '', testid: 'camera-live-open', 'aria-pressed': String(watching),
          onclick: () => {
            if (watching) viewer.close();
            else viewer.open(camera.camera_id, ctx.incident.id);
            ctx.rerender();
            if (!watching) viewer.el.scrollIntoView({ block: 'nearest' }); // the picture in sight, below its row
          },
        }, t('cameras.live')),
        h('button', {
          type: 'button', testid: 'camera-footage', 'aria-expanded': String(ctx.formKey === footageKey),
          onclick: () => ctx.openForm(footageKey, { build: ({ onClose }) => footageForm(ctx, camera, onClose) }),
        }, t('cameras.footage')),
      ]
    : [];
  const toolbox = canWatch() ? h('span', { class: 'camera-tools' }, tools) : null;
  return h('li', { class: 'camera-row camera-sees', testid: 'camera-seeing', dataset: { cameraId: camera.camera_id } },
    h('div', { class: 'camera-line' }, cameraFacts(entry), toolbox),
    ctx.formKey === footageKey ? ctx.formEl : null,
    watching ? viewer.el : null);
}

function notSeeingRow(entry) {
  return h('li', {
    class: 'camera-row camera-blind', testid: 'camera-not-seeing',
    dataset: { cameraId: entry.camera.camera_id, reason: entry.reason },
  },
  h('div', { class: 'camera-line' }, cameraFacts(entry), ' — ', h('span', { class: 'camera-reason', testid: 'camera-reason' }, reasonText(entry))));
}

/** The Cameras section; `listing` is the last answer of fetchCameras (null while loading or refused). */
export function camerasSection(ctx, listing, viewer) {
  if (!listing) return null;
  viewer.relabel();
  const body = [];
  if (!listing.located) {
    body.push(h('div', { class: 'muted', testid: 'cameras-no-place' }, t('cameras.no_place')));
  } else {
    body.push(listing.seeing.length
      ? h('ul', { class: 'camera-list', testid: 'cameras-seeing' }, listing.seeing.map((entry) => seeingRow(ctx, entry, viewer)))
      : h('div', { class: 'muted', testid: 'cameras-none' }, t('cameras.none_seeing')));
    if (listing.not_seeing.length) {
      body.push(h('div', { class: 'camera-subtitle' }, t('cameras.not_seeing')),
        h('ul', { class: 'camera-list', testid: 'cameras-not-seeing' }, listing.not_seeing.map(notSeeingRow)));
    }
  }
  return h('section', { class: 'card-section', testid: 'cameras' },
    h('div', { class: 'section-title' }, t('cameras.title', { count: listing.seeing.length })),
    body);
}
