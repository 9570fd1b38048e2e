// The dispatch part of the incident card: recommended units with one-click Assign, the assigned units with
// their progress buttons, and the incident's own status moves.
import { get, post } from '../core/api.js';
import {
  assignmentMoves, canCancelAssignment, NEEDS_DISPOSITION, OPEN_STATUSES,
} from '../core/domain.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { assignmentStatus, district, incidentStatus, unitStatus, unitType } from '../core/labels.js';
import { state } from '../core/store.js';
import { formatDistance, formatDuration, formatTime } from '../core/format.js';
import { toastError, toastInfo } from '../core/toast.js';
import { placeForm } from './place-form.js';

async function act(promise) {
  try {
    return await promise;
  } catch (error) {
    toastError(error);
    throw error;
  }
}

/**
 * Move an assignment on. "On scene" from a unit whose fresh GPS fix is far from the scene is refused by the server
 * with the distance (far_arrival_m): the operator is asked, and a confirmed arrival is recorded as such.
 */
async function advance(ctx, assignment, to, callSign) {
  const url = `/api/v1/assignments/${assignment.id}/status`;
  try {
    await post(url, { status: to });
    ctx.refresh();
  } catch (error) {
    const far = error.problem?.far_arrival_m;
    if (to !== 'on_scene' || far === undefined) {
      toastError(error);
      return;
    }
    ctx.openForm(`a:${assignment.id}:far`, {
      title: `${callSign}: ${error.problem.detail}`,
      onConfirm: () => act(post(url, { status: to, confirm_far_arrival: true })).then(ctx.refresh),
    });
  }
}

/** Find the active assignment of a unit on another incident (to divert it). */
async function activeAssignmentOf(unitId, incidentId) {
  const card = await get(`/api/v1/incidents/${incidentId}`);
  return card.assignments.find((a) => a.unit_id === unitId && a.active) ?? null;
}

/**
 * Recommendations: ctx = {incident, recommendation, busy: Set of unit ids being sent, refresh()}.
 */
export function recommendationsSection(ctx) {
  const { incident, recommendation } = ctx;
  const head = h('div', { class: 'section-title' }, t('card.recommendations'));
  if (incident.lat === null) return h('section', { class: 'card-section' }, head, h('div', { class: 'hint alarm', testid: 'recommendations-need-place' }, t('card.needs_place')));
  if (!recommendation) return h('section', { class: 'card-section' }, head, h('div', { class: 'hint' }, t('card.loading')));
  const rows = recommendation.units.map((unit, index) => {
    const assign = async () => {
      button.disabled = true;
      try {
        if (unit.preemptable && unit.current_incident_id) {
          const current = await act(activeAssignmentOf(unit.unit_id, unit.current_incident_id));
          if (!current) throw new Error('no active assignment');
          await act(post(`/api/v1/assignments/${current.id}/reassign`, { incident_id: incident.id, reason: t('card.divert_reason', { number: incident.number }) }));
        } else {
          await act(post(`/api/v1/incidents/${incident.id}/assignments`, { unit_id: unit.unit_id }));
        }
        toastInfo(t('card.assigned', { unit: unit.call_sign, number: incident.number }));
        ctx.refresh();
      } catch {
        button.disabled = false;
      }
    };
    const button = h('button', { type: 'button', class: unit.preemptable ? 'warn' : 'primary', testid: 'assign', onclick: assign }, t(unit.preemptable ? 'card.divert' : 'card.assign'),
      index < 5 ? h('kbd', { testid: 'assign-key' }, `Alt+${index + 1}`) : null); // card.js binds Alt+1…5 (core/shortcuts.js)
    return h(
      'li',
      { class: `rec${unit.stale ? ' stale' : ''}`, testid: 'recommendation', dataset: { unitId: unit.unit_id } },
      h('span', { class: 'rec-unit' }, h('b', null, unit.call_sign), h('small', null, `${unitType(unit.type)} · ${unitStatus(unit.status)}`)),
      h('span', { class: 'rec-eta' }, h('b', null, formatDuration(unit.eta_s)), h('small', null, formatDistance(unit.road_m))),
      h('span', { class: 'rec-why' }, unit.explanation,
        unit.stale ? h('span', { class: 'badge badge-stale' }, t('units.stale')) : null,
        unit.other_district ? h('span', { class: 'badge badge-border', testid: 'rec-other-district' }, t('card.other_district', { district: district(unit.district) })) : null,
        unit.district_now && unit.district_now !== unit.district ? h('small', null, ` ${t('card.now_in', { district: district(unit.district_now) })}`) : null),
      button,
    );
  });
  const skipped = Object.entries(recommendation.skipped ?? {}).filter(([, n]) => n > 0).map(([why, n]) => `${t(`skipped.${why}`)}: ${n}`);
  return h(
    'section',
    { class: 'card-section', testid: 'recommendations' },
    head,
    rows.length ? h('ul', { class: 'recs' }, rows) : h('div', { class: 'hint' }, t('card.no_units')),
    skipped.length ? h('div', { class: 'hint' }, skipped.join(' · ')) : null,
  );
}

/** Assigned units: ctx = {card, canDispatch, refresh(), openForm(key, spec), formKey, formEl} (one open form). */
export function assignmentsSection(ctx) {
  const { card } = ctx;
  const rows = card.assignments
    .slice()
    .sort((a, b) => Number(b.active) - Number(a.active) || a.id - b.id)
    .map((a) => {
      const unit = state.units.get(a.unit_id);
      const callSign = unit?.call_sign ?? `#${a.unit_id}`;
      const buttons = [];
      if (ctx.canDispatch && a.active) {
        for (const to of assignmentMoves(a.status)) {
          if (to === 'cleared') {
            buttons.push(formButton(ctx, `a:${a.id}:clear`, 'assignment-cleared', `advance.${to}`, {
              title: t('card.clear_unit', { unit: callSign }),
              disposition: 'optional',
              onConfirm: (v) => act(post(`/api/v1/assignments/${a.id}/status`, { status: to, disposition: v.disposition })),
            }));
          } else {
            buttons.push(h('button', { type: 'button', testid: `assignment-${to}`, onclick: () => advance(ctx, a, to, callSign) }, t(`advance.${to}`)));
          }
        }
        if (canCancelAssignment(a.status)) {
          buttons.push(formButton(ctx, `a:${a.id}:cancel`, 'assignment-cancel', 'card.cancel_unit', {
            title: t('card.cancel_unit_title', { unit: callSign }),
            reason: true,
            onConfirm: (v) => act(post(`/api/v1/assignments/${a.id}/cancel`, { reason: v.reason })),
          }));
          const others = [...state.units.values()].filter((u) => u.status === 'available' && u.id !== a.unit_id);
          if (others.length) {
            buttons.push(formButton(ctx, `a:${a.id}:reassign`, 'assignment-reassign', 'card.reassign', {
              title: t('card.reassign_title', { unit: callSign }),
              units: others.map((u) => ({ id: u.id, label: `${u.call_sign} · ${unitType(u.type)}` })),
              reason: true,
              onConfirm: (v) => act(post(`/api/v1/assignments/${a.id}/reassign`, { unit_id: v.unitId, reason: v.reason })),
            }));
          }
        }
      }
      const stamps = [
        ['card.assigned_at', a.assigned_at], ['assignment_status.acknowledged', a.acknowledged_at],
        ['assignment_status.en_route', a.en_route_at], ['assignment_status.on_scene', a.on_scene_at],
        ['assignment_status.cleared', a.cleared_at], ['assignment_status.cancelled', a.cancelled_at],
      ].filter(([, at]) => at).map(([key, at]) => `${t(key)} ${formatTime(at)}`);
      return h(
        'li',
        { class: `assignment${a.active ? '' : ' inactive'}`, testid: 'assignment', dataset: { assignmentId: a.id, unitId: a.unit_id, status: a.status } },
        h('div', { class: 'asg-line' },
          h('b', null, callSign),
          h('span', { class: `status status-${a.status}` }, assignmentStatus(a.status)),
          h('small', null, stamps.join(' · ')),
          a.cancel_reason ? h('small', null, `— ${a.cancel_reason}`) : null),
        buttons.length ? h('div', { class: 'asg-actions' }, buttons) : null,
        ctx.formKey?.startsWith(`a:${a.id}:`) ? ctx.formEl : null,
      );
    });
  return h(
    'section',
    { class: 'card-section', testid: 'assignments' },
    h('div', { class: 'section-title' }, t('card.assignments')),
    rows.length ? h('ul', { class: 'assignments' }, rows) : h('div', { class: 'hint' }, t('card.no_assignments')),
  );
}

/** The incident's own moves (queue, clear, transfer, cancel, close; reopen when closed). */
export function incidentActions(ctx) {
  const { incident } = ctx.card;
  if (!ctx.canDispatch || incident.merged_into_id !== null) return null;
  // Only the moves the server would accept now (none while units still work the incident).
  const buttons = (ctx.card.moves ?? []).map((to) => {
    const needs = NEEDS_DISPOSITION.has(to) && !(to === 'closed' && incident.disposition);
    return formButton(ctx, `i:${to}`, `incident-${to}`, `move.${to}`, {
      title: t('card.move_title', { status: incidentStatus(to) }),
      disposition: needs ? 'required' : to === 'transferred' || to === 'closed' ? 'optional' : null,
      defaultDisposition: to === 'transferred' ? 'handed_to_agency' : null,
      note: true,
      onConfirm: (v) => act(post(`/api/v1/incidents/${incident.id}/status`, { status: to, disposition: v.disposition, note: v.note })),
    });
  });
  if (OPEN_STATUSES.has(incident.status)) {
    // No point, no unit can be offered: then this button comes first and is marked.
    const place = h('button', {
      type: 'button',
      testid: 'card-set-place',
      class: incident.lat === null ? 'danger' : null,
      'aria-expanded': String(ctx.formKey === 'i:place'),
      onclick: () => ctx.openForm('i:place', { build: ({ onClose }) => placeForm({ incident, onPlaced: ctx.refresh, onClose }) }),
    }, t(incident.lat === null ? 'card.set_place' : 'card.correct_place'));
    if (incident.lat === null) buttons.unshift(place);
    else buttons.push(place);
  }
  if (incident.status === 'closed') {
    buttons.push(formButton(ctx, 'i:reopen', 'incident-reopen', 'card.reopen', {
      title: t('card.reopen'),
      reason: true,
      onConfirm: (v) => act(post(`/api/v1/incidents/${incident.id}/reopen`, { reason: v.reason })),
    }));
  }
  if (!buttons.length) return null;
  const open = ctx.formKey?.startsWith('i:');
  return h('div', { class: 'card-actions', testid: 'incident-actions' }, buttons, open ? ctx.formEl : null);
}

function formButton(ctx, key, testid, labelKey, spec) {
  return h(
    'button',
    {
      type: 'button',
      testid,
      'aria-expanded': String(ctx.formKey === key),
      onclick: () => ctx.openForm(key, spec),
    },
    t(labelKey),
  );
}

