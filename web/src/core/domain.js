// What the console knows of the ЦОУ's rules: statuses, transitions, targets and what each role may do.
// The server decides; these only choose which buttons to offer and how to colour the timers.

export const INCIDENT_STATUSES = ['new', 'queued', 'dispatched', 'en_route', 'on_scene', 'cleared', 'closed', 'cancelled', 'transferred'];
export const OPEN_STATUSES = new Set(['new', 'queued', 'dispatched', 'en_route', 'on_scene']);
export const WAITING_STATUSES = new Set(['new', 'queued']);
export const UNIT_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'busy', 'out_of_service', 'off_duty'];
export const ACTIVE_ASSIGNMENT = new Set(['assigned', 'acknowledged', 'en_route', 'on_scene']);
export const DISPOSITIONS = [
  'arrest', 'protocol_drawn', 'report_registered', 'warning_issued', 'assistance_rendered', 'no_offence_found',
  'gone_on_arrival', 'false_call', 'duplicate', 'handed_to_agency', 'resolved_by_phone', 'caller_withdrew', 'other',
];

export const NEEDS_DISPOSITION = new Set(['cleared', 'cancelled', 'closed']);

// Assignment progress buttons: from each status, the next steps a dispatcher records for the unit.
const ASSIGNMENT_MOVES = {
  assigned: ['acknowledged', 'en_route', 'on_scene'],
  acknowledged: ['en_route', 'on_scene'],
  en_route: ['on_scene'],
  on_scene: ['cleared'],
};

export function assignmentMoves(status) {
  return ASSIGNMENT_MOVES[status] ?? [];
}

// Unit statuses a dispatcher sets by hand, as the server's set_by_hand allows (kuzet/units/domain.py): available,
// busy or out of service, along the unit's transitions, never while the unit works an assignment.
const UNIT_HAND_MOVES = {
  available: ['busy', 'out_of_service'],
  busy: ['available', 'out_of_service'],
  out_of_service: ['available'],
  off_duty: ['available'],
};

export function unitHandMoves(status) {
  return UNIT_HAND_MOVES[status] ?? [];
}

export function canCancelAssignment(status) {
  return ['assigned', 'acknowledged', 'en_route'].includes(status);
}

// Target response time per priority (received → first on scene), in minutes, as the server sets them
// (GET /api/v1/console/settings); 7 minutes until they are read.
let targetMinutes = {};
// Time to send a unit per priority (KUZET_OVERDUE_DISPATCH_MINUTES); a priority left out has no such deadline.
let dispatchMinutes = { 1: 1, 2: 3, 3: 10 };
let arrivalMinutes = { 1: 7, 2: 10, 3: 20 };

export function setTargets(minutes, dispatch, arrival) {
  targetMinutes = { ...minutes };
  if (dispatch) dispatchMinutes = { ...dispatch };
  if (arrival) arrivalMinutes = { ...arrival };
}

export function targetSeconds(priority) {
  return (targetMinutes[priority] ?? 7) * 60;
}

/** Seconds to send a unit to an incident of this priority, or null if it has no such deadline. */
export function dispatchDeadlineSeconds(priority) {
  const minutes = dispatchMinutes[priority];
  return minutes === undefined || minutes === null ? null : minutes * 60;
}

/** How long a sent unit may take to reach the scene of this priority (KUZET_OVERDUE_ARRIVAL_MINUTES), or null. */
export function arrivalDeadlineSeconds(priority) {
  const minutes = arrivalMinutes[priority];
  return minutes === undefined || minutes === null ? null : minutes * 60;
}

/**
 * 'ok' below 70 % of the deadline, 'warn' below 100 %, 'over' past it. An incident still waiting for a unit
 * is measured against its priority's dispatch deadline (a P1 is late after a minute without a unit), one with
 * a unit sent against the response target.
 */
export function timerLevel(seconds, priority, waiting = false) {
  const deadline = (waiting && dispatchDeadlineSeconds(priority)) || targetSeconds(priority);
  const share = seconds / deadline;
  if (share < 0.7) return 'ok';
  if (share < 1) return 'warn';
  return 'over';
}

const CAN = {
  createAppeal: new Set(['call_taker', 'dispatcher', 'supervisor']),
  readIncidents: new Set(['call_taker', 'dispatcher', 'supervisor', 'analyst']),
  dispatch: new Set(['dispatcher', 'supervisor']),
  overdue: new Set(['dispatcher', 'supervisor']),
  readStats: new Set(['supervisor', 'analyst', 'admin']),
  issueAlerts: new Set(['supervisor']), // public alerts (CAP): issue, update, cancel
  watchCameras: new Set(['dispatcher', 'supervisor']), // cctv.watch: a camera's live picture, footage requests
  // Callers' phones (core/pii.py): found and shown whole for these roles only.
  seePhones: new Set(['call_taker', 'dispatcher', 'supervisor', 'admin']),
};

export function can(user, action) {
  return Boolean(user && CAN[action]?.has(user.role));
}

/** Queue order: priority, then the longest waiting first. */
export function compareIncidents(a, b) {
  return a.priority - b.priority || a.receivedMs - b.receivedMs || a.id - b.id;
}
