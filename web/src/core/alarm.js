// Alarms of a dispatcher's desk: a P1 waiting for a unit, an incident past its dispatch deadline, one with no
// place on the map, and a unit not on scene by the arrival deadline. Each raises a sound (synthesised here: the
// console ships no sound file), a flashing queue row and a count on the Queue tab, until this operator
// acknowledges it (recorded in the incident's timeline) or the incident moves on. A mute silences the sound for 60 s; rows and count stay.
// Deadlines are measured on the server-aligned clock (format.js now()), as the timers are: a workstation clock
// that runs late or early must not hold back or hurry an alarm. The mute and the repeat are lengths of time at
// this desk, measured on the browser's monotonic clock, so that re-aligning with the server never stretches or
// cuts the mute.
// A hand-over to a service (103, …) past its acknowledgement deadline raises 'handover_overdue' the same way, for
// every incident of the queue: the server puts the earliest such deadline on each queue item
// (handover_ack_due_at); a card's hand-overs, when this desk has them, are fresher and take precedence.
import { get } from './api.js';
import { emit, on } from './bus.js';
import { arrivalDeadlineSeconds, can, dispatchDeadlineSeconds, WAITING_STATUSES } from './domain.js';
import { now, parseTime } from './format.js';
import { state } from './store.js';

const MUTE_MS = 60_000;
const REPEAT_MS = 30_000; // an unacknowledged alarm sounds again this often
const acknowledged = new Map(); // incident id → the set of alarms acknowledged
const handoverDue = new Map(); // incident id → ms of the earliest deadline of a hand-over not yet acknowledged
let active = new Map(); // incident id → its alarm now
let mutedUntil = -Infinity; // desk time (performance.now()) when the mute ends
let lastSound = -Infinity; // desk time of the last sound
let audio = null;

const SENT_STATUSES = new Set(['dispatched', 'en_route']);

/** A unit was sent and is past the priority's arrival deadline (counted from the first dispatch, or reopening). */
function lateArrival(incident, nowMs) {
  const deadline = arrivalDeadlineSeconds(incident.priority);
  const sentMs = Math.max(parseTime(incident.stamps?.first_dispatched_at) ?? 0, parseTime(incident.reopened_at) ?? 0);
  return deadline !== null && sentMs > 0 && (nowMs - sentMs) / 1000 >= deadline;
}

/** The alarm an incident raises now ('no_place', 'overdue', 'new_p1', 'late_arrival'), or null. */
export function alarmOf(incident, nowMs) {
  if (incident.merged_into_id) return null;
  if (SENT_STATUSES.has(incident.status)) return lateArrival(incident, nowMs) ? 'late_arrival' : null;
  if (!WAITING_STATUSES.has(incident.status)) return null;
  if (incident.lat === null || incident.lat === undefined) return 'no_place';
  const deadline = dispatchDeadlineSeconds(incident.priority);
  if (deadline !== null && incident.receivedMs && (nowMs - incident.receivedMs) / 1000 >= deadline) return 'overdue';
  return incident.priority === 1 ? 'new_p1' : null;
}

/** The alarm the incident raises at this desk now: an overdue hand-over first, unless already heard. */
function deskAlarm(incident, nowMs) {
  const heard = acknowledged.get(incident.id);
  const due = handoverDue.has(incident.id) ? handoverDue.get(incident.id) : parseTime(incident.handover_ack_due_at) ?? undefined;
  if (due !== undefined && nowMs >= due && !incident.merged_into_id && !heard?.has('handover_overdue')) return 'handover_overdue';
  const alarm = alarmOf(incident, nowMs);
  return alarm && !heard?.has(alarm) ? alarm : null;
}

/** What the desk knows of an incident's hand-overs (the listing's rows): the deadlines still waiting. */
export function noteHandovers(id, handovers) {
  const waiting = handovers.filter((h) => h.state === 'requested').map((h) => parseTime(h.ack_due_at));
  if (waiting.length) handoverDue.set(id, Math.min(...waiting));
  else handoverDue.delete(id);
  update(now());
}

export const alarmOfId = (id) => active.get(id) ?? null;
export const alarmCount = () => active.size;
const deskMs = () => performance.now();
export const mutedForMs = () => Math.max(0, mutedUntil - deskMs());

export function mute() {
  mutedUntil = deskMs() + MUTE_MS;
  emit('alarms', active);
}

/** This operator heard the alarm: it stops for this desk (the server records it in the timeline). */
export function acknowledge(id) {
  const alarm = active.get(id);
  if (!alarm) return update(now());
  if (!acknowledged.has(id)) acknowledged.set(id, new Set());
  acknowledged.get(id).add(alarm);
  update(now());
}

function sound() {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    const start = audio.currentTime;
    [880, 660, 880].forEach((frequency, i) => {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.type = 'square';
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.12, start + i * 0.2);
      volume.gain.setValueAtTime(0, start + i * 0.2 + 0.16);
      tone.connect(volume).connect(audio.destination);
      tone.start(start + i * 0.2);
      tone.stop(start + i * 0.2 + 0.17);
    });
    document.body.dataset.alarmSounds = String(Number(document.body.dataset.alarmSounds ?? 0) + 1);
  } catch (error) {
    console.warn('the alarm could not sound', error);
  }
}

/** Recompute the desk's alarms at `nowMs` (server-aligned), and sound if one is new or repeats. */
function update(nowMs) {
  const next = new Map();
  for (const incident of state.incidents.values()) {
    const alarm = deskAlarm(incident, nowMs);
    if (alarm) next.set(incident.id, alarm);
  }
  for (const id of acknowledged.keys()) if (!state.incidents.has(id)) acknowledged.delete(id);
  for (const id of handoverDue.keys()) if (!state.incidents.has(id)) handoverDue.delete(id);
  const fresh = [...next].some(([id, alarm]) => active.get(id) !== alarm);
  const changed = fresh || next.size !== active.size;
  active = next;
  const desk = deskMs();
  if (active.size && desk >= mutedUntil && (fresh || desk - lastSound >= REPEAT_MS)) {
    lastSound = desk;
    sound();
  }
  if (changed) emit('alarms', active);
}

/** Start watching, for the roles that send units. */
export function startAlarms() {
  if (!can(state.user, 'dispatch')) return;
  on('tick', () => update(now()));
  on('incidents', () => update(now()));
  on('snapshot', () => update(now()));
  on('incident-changed', ({ id }) => {
    // An agency's answer changes the incident: the deadline this desk watches may be met now.
    if (handoverDue.has(id)) get(`/api/v1/incidents/${id}/handovers`).then((answer) => noteHandovers(id, answer.handovers), () => {});
  });
}
