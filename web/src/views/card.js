// The incident card: facts, dispatch (recommendations, assigned units, status moves), appeals, timeline.
// It follows live changes of its incident and draws the units' routes on the map.
import { acknowledge, alarmOfId } from '../core/alarm.js';
import { get, post } from '../core/api.js';
import { on } from '../core/bus.js';
import { can, OPEN_STATUSES } from '../core/domain.js';
import { debounce, fill, h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { categoryName } from '../core/labels.js';
import { state } from '../core/store.js';
import { refetchIncident } from '../core/sync.js';
import { toastError } from '../core/toast.js';
import { altDigit, matches } from '../core/shortcuts.js';
import { parseTime } from '../core/format.js';
import { highlightIncident, showRoutes } from '../map/layers.js';
import { highlightCameras } from '../map/camera-layer.js';
import { reveal } from '../map/map.js';
import { actionForm } from './action-form.js';
import { appealsSection, factsSection, statusBadge, timelineSection } from './card-parts.js';
import { assignmentsSection, incidentActions, recommendationsSection } from './card-dispatch.js';
import { appealTools, editActions } from './card-edit.js';
import { fetchHandovers, servicesSection } from './card-handover.js';
import { camerasSection, fetchCameras } from './card-cameras.js';
import { cameraViewer } from './camera-live.js';
import { renderTimer } from './timer.js';

const ROUTED = new Set(['assigned', 'acknowledged', 'en_route']);
const REFRESH_MS = 20000;

export function cardView({ onBack }) {
  const el = h('div', { class: 'view view-card', testid: 'incident-card', tabindex: -1 });
  let id = null;
  let card = null;
  let recommendation = null;
  let handovers = null; // the incident's hand-overs to services and the proposed ones
  let cameras = null; // the cameras that see the incident and the nearby ones that do not
  const viewer = cameraViewer(); // a camera's live picture, kept across re-renders
  let formKey = null;
  let formEl = null;
  let visible = false;
  let timerEl = null;
  let timed = null;
  let periodic = null;

  const isOpen = () => card && OPEN_STATUSES.has(card.incident.status) && card.incident.merged_into_id === null;
  // Opened from the search, a closed (or cancelled) incident is shown read-only: no action is offered.
  let readOnly = false;
  const readOnlyNow = () => readOnly && card !== null && !OPEN_STATUSES.has(card.incident.status);
  const canDispatch = () => can(state.user, 'dispatch') && !readOnlyNow();

  function render() {
    if (!card) {
      el.replaceChildren(h('div', { class: 'view-head' }, backButton(), h('h2', null, t('card.loading'))));
      return;
    }
    const incident = card.incident;
    const focused = el.contains(document.activeElement) ? document.activeElement : null;
    const scroll = el.scrollTop;
    timerEl = h('span', { class: 'timer', testid: 'card-timer' });
    timed = {
      ...incident,
      receivedMs: parseTime(incident.stamps.received_at),
      onSceneMs: parseTime(incident.stamps.first_on_scene_at),
    };
    renderTimer(timerEl, timed);
    const ctx = {
      card,
      incident,
      recommendation,
      canDispatch: canDispatch(),
      formKey,
      formEl,
      refresh: () => load(),
      rerender: () => render(),
      openForm: (key, spec) => {
        if (formKey === key) return closeForm();
        formKey = key;
        formEl = spec.build ? spec.build({ onClose: closeForm }) : actionForm({ ...spec, onClose: closeForm });
        render();
      },
    };
    el.dataset.incidentId = incident.id;
    el.dataset.status = incident.status;
    fill(
      el,
      h('div', { class: 'view-head card-head' },
        backButton(),
        h('span', { class: `prio prio-${incident.priority}` }, t('priority.short', { n: incident.priority })),
        h('h2', { testid: 'incident-number' }, incident.number),
        statusBadge(incident.status),
        readOnlyNow() ? h('span', { class: 'badge badge-read-only', testid: 'card-read-only' }, t('card.read_only')) : null,
        timerEl,
        alarmButton(incident)),
      h('div', { class: 'card-title' }, categoryName(incident.category_code)),
      incidentActions(ctx),
      editActions(ctx),
      factsSection(card),
      assignmentsSection(ctx),
      isOpen() && ctx.canDispatch ? recommendationsSection(ctx) : null,
      servicesSection({ ...ctx, canDispatch: ctx.canDispatch && isOpen() }, handovers),
      camerasSection(ctx, cameras, viewer),
      appealsSection(card, appealTools(ctx)),
      timelineSection(card),
    );
    if (viewer.cameraId() && !el.contains(viewer.el)) viewer.close(); // the camera left the list
    el.scrollTop = scroll;
    if (focused) refocus(focused);
  }

  /** After a re-render, put the focus back on the same control (by test id and row), else on the card. */
  function refocus(previous) {
    if (el.contains(previous)) {
      previous.focus({ preventScroll: true });
      return;
    }
    const testid = previous.dataset?.testid;
    const row = previous.closest?.('[data-assignment-id], [data-unit-id]');
    const scope = row?.dataset.assignmentId
      ? el.querySelector(`[data-assignment-id="${row.dataset.assignmentId}"]`)
      : row?.dataset.unitId ? el.querySelector(`[data-unit-id="${row.dataset.unitId}"]`) : el;
    const match = testid ? scope?.querySelector(`[data-testid="${testid}"]`) : null;
    (match ?? el).focus({ preventScroll: true });
  }

  /** While this incident's alarm sounds at this desk: hear it, and say so (the timeline records it). */
  function alarmButton(incident) {
    const alarm = alarmOfId(incident.id);
    if (!alarm || !canDispatch()) return null;
    const ack = async () => {
      try {
        await post(`/api/v1/incidents/${incident.id}/alarm/acknowledge`, { alarm });
        acknowledge(incident.id);
        load();
      } catch (error) {
        toastError(error);
      }
    };
    return h('button', { type: 'button', class: 'danger alarm-ack', testid: 'alarm-ack', dataset: { alarm }, onclick: ack },
      t(`alarm.${alarm}`), ' · ', t('alarm.ack'));
  }

  function backButton() {
    return h('button', { type: 'button', class: 'back', testid: 'card-back', onclick: onBack }, '← ', t('card.back'), h('kbd', null, 'Esc'));
  }

  function closeForm() {
    if (formKey === null) return;
    formKey = null;
    formEl = null;
    render();
  }

  async function load() {
    const wanted = id;
    try {
      const fresh = await refetchIncident(wanted);
      if (wanted !== id) return;
      if (!fresh) {
        toastError({ problem: { detail: t('card.gone') } });
        onBack();
        return;
      }
      // refetchIncident announced the card; the handler below has rendered it.
      loadExtras();
    } catch (error) {
      toastError(error);
    }
  }

  const loadExtras = debounce(async () => {
    const wanted = id;
    if (!card || wanted === null) return;
    const tasks = [];
    if (isOpen() && canDispatch() && card.incident.lat !== null) {
      tasks.push(get(`/api/v1/incidents/${wanted}/recommendations?k=5`).then((answer) => {
        if (wanted === id) recommendation = answer;
      }, (error) => {
        if (wanted === id) recommendation = { units: [], skipped: {} };
        if (error.status !== 404) toastError(error);
      }));
    }
    tasks.push(fetchHandovers(wanted).then((answer) => {
      if (wanted === id) handovers = answer;
    }, () => {}));
    tasks.push(fetchCameras(wanted).then((answer) => {
      if (wanted !== id) return;
      cameras = answer;
      if (visible) highlightCameras(answer);
    }, () => {}));
    const routed = card.assignments.filter((a) => ROUTED.has(a.status));
    tasks.push(Promise.all(routed.map((a) => get(`/api/v1/assignments/${a.id}/route`).catch(() => null))).then((routes) => {
      if (wanted === id && visible) showRoutes(routes.filter(Boolean));
    }));
    await Promise.all(tasks);
    if (wanted === id) render();
  }, 100);

  on('incident-changed', (change) => {
    if (change.id !== id) return;
    if (change.card) {
      card = change.card;
      if (visible) highlightIncident(card.incident);
      render();
      loadExtras();
    } else {
      load();
    }
  });
  on('tick', () => {
    if (visible && timed && timerEl && OPEN_STATUSES.has(timed.status)) renderTimer(timerEl, timed);
  });
  on('units', () => {
    if (visible && card && !formKey) render();
  });
  on('alarms', () => {
    if (visible && card && !formKey) render();
  });

  document.addEventListener('keydown', (event) => {
    if (!visible) return;
    if (matches('card-back', event) && !event.defaultPrevented && !formKey) {
      event.preventDefault();
      onBack();
    } else if (matches('card-handover', event) && !formKey) {
      const button = el.querySelector('[data-testid="handover-send"]');
      if (button) {
        event.preventDefault();
        button.click();
      }
    } else if (matches('card-assign', event)) {
      const buttons = el.querySelectorAll('[data-testid="recommendation"] [data-testid="assign"]');
      const button = buttons[altDigit(event) - 1];
      if (button && !button.disabled) {
        event.preventDefault();
        button.click();
      }
    }
  });

  return {
    el,
    show(target) {
      // An id, or {id, readOnly} from the search.
      const incidentId = typeof target === 'object' && target !== null ? target.id : target;
      readOnly = Boolean(target?.readOnly);
      visible = true;
      if (incidentId !== id) {
        id = incidentId;
        card = null;
        recommendation = null;
        handovers = null;
        cameras = null;
        viewer.close();
        highlightCameras(null);
        formKey = null;
        formEl = null;
        showRoutes(null);
        const known = state.incidents.get(id);
        highlightIncident(known ?? null);
        if (known) reveal(known.lat, known.lon);
      }
      render();
      load();
      clearInterval(periodic);
      periodic = setInterval(() => loadExtras(), REFRESH_MS);
      el.focus({ preventScroll: true });
    },
    hide() {
      visible = false;
      clearInterval(periodic);
      showRoutes(null);
      highlightIncident(null);
      viewer.close();
      highlightCameras(null);
    },
    relabel() {
      if (!visible) return;
      render();
      load(); // the server words the recommendations in the chosen language
    },
    currentId: () => id,
  };
}
