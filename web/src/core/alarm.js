// Alarms of a dispatcher's desk: a P1 waiting for a unit, an incident past its dispatch deadline, and one with no
// place on the map. Each raises a sound (synthesised here: the console ships no sound file), a flashing queue row
// and a count on the Queue tab, until this operator acknowledges it (recorded in the incident's timeline) or it
// gets a unit. A mute silences the sound for 60 s; rows and count stay.
import { emit, on } from './bus.js';
import { can, dispatchDeadlineSeconds, WAITING_STATUSES } from './domain.js';
import { state } from './store.js';

const MUTE_MS = 60_000;
const REPEAT_MS = 30_000; // an unacknowledged alarm sounds again this often
const acknowledged = new Map(); // incident id → the alarm acknowledged
let active = new Map(); // incident id → its alarm now
let mutedUntil = 0;
let lastSound = 0;
let audio = null;

/** The alarm an incident raises now ('no_place', 'overdue', 'new_p1'), or null. */
export function alarmOf(incident, nowMs) {
  if (!WAITING_STATUSES.has(incident.status) || incident.merged_into_id) return null;
  if (incident.lat === null || incident.lat === undefined) return 'no_place';
  const deadline = dispatchDeadlineSeconds(incident.priority);
  if (deadline !== null && incident.receivedMs && (nowMs - incident.receivedMs) / 1000 >= deadline) return 'overdue';
  return incident.priority === 1 ? 'new_p1' : null;
}

export const alarmOfId = (id) => active.get(id) ?? null;
export const alarmCount = () => active.size;
export const mutedForMs = (nowMs) => Math.max(0, mutedUntil - nowMs);

export function mute(nowMs) {
  mutedUntil = nowMs + MUTE_MS;
  emit('alarms', active);
}

/** This operator heard the alarm: it stops for this desk (the server records it in the timeline). */
export function acknowledge(id) {
  const alarm = active.get(id);
  if (alarm) acknowledged.set(id, alarm);
  update(Date.now());
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

function update(nowMs) {
  const next = new Map();
  for (const incident of state.incidents.values()) {
    const alarm = alarmOf(incident, nowMs);
    if (alarm && acknowledged.get(incident.id) !== alarm) next.set(incident.id, alarm);
  }
  for (const id of acknowledged.keys()) if (!state.incidents.has(id)) acknowledged.delete(id);
  const fresh = [...next].some(([id, alarm]) => active.get(id) !== alarm);
  const changed = fresh || next.size !== active.size;
  active = next;
  if (active.size && nowMs >= mutedUntil && (fresh || nowMs - lastSound >= REPEAT_MS)) {
    lastSound = nowMs;
    sound();
  }
  if (changed) emit('alarms', active);
}

/** Start watching, for the roles that send units. */
export function startAlarms() {
  if (!can(state.user, 'dispatch')) return;
  on('tick', (nowMs) => update(nowMs));
  on('incidents', () => update(Date.now()));
  on('snapshot', () => update(Date.now()));
}
