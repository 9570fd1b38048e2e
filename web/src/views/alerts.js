// The supervisor's Alerts page: public alerts in force (ours and imported, marked), each shown on the map on a
// click, with its CAP document; ours can be updated (a new CAP Update, refilling the form) or cancelled with a
// reason. The form issues a new alert (views/alert-form.js). The list follows the same reads as the map's layer
// (core/alerts.js).
import { authHeaders, post } from '../core/api.js';
import { on } from '../core/bus.js';
import { activeAlerts, alertText, areaText, refreshAlerts } from '../core/alerts.js';
import { h } from '../core/dom.js';
import { applyTexts, t, tOr } from '../core/i18n.js';
import { district } from '../core/labels.js';
import { formatDateTime } from '../core/format.js';
import { matches } from '../core/shortcuts.js';
import { toastError, toastInfo } from '../core/toast.js';
import { showAlertOnMap } from '../map/alert-layer.js';
import { alertForm } from './alert-form.js';

/** Open the alert's CAP document as text (fetched with the session: the API's copy needs it); as XML the
 * browser's viewer would style it inline, which the console's CSP refuses. */
async function openCap(alert) {
  try {
    const response = await fetch(`/api/v1/alerts/${alert.id}/cap.xml`, { headers: { ...authHeaders(), Accept: 'application/cap+xml' } });
    if (!response.ok) throw Object.assign(new Error(response.statusText), { status: response.status });
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/plain;charset=utf-8' }));
    window.open(url, '_blank', 'noopener');
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    toastError(error);
  }
}

function cancelForm(alert, { onDone, onClose }) {
  const reason = h('input', { testid: 'alert-cancel-reason', maxlength: 500, required: true });
  const confirm = h('button', { type: 'submit', class: 'warn', testid: 'alert-cancel-confirm' }, t('alerts.cancel_confirm'));
  const form = h('form', { class: 'action-form', testid: 'alert-cancel-form' },
    h('label', { class: 'field' }, h('span', null, t('alerts.cancel_reason')), reason),
    h('div', { class: 'form-actions' }, confirm, h('button', { type: 'button', testid: 'alert-cancel-close', onclick: onClose }, t('alerts.form_close'))));
  form.addEventListener('keydown', (event) => {
    if (matches('form-close', event)) {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    confirm.disabled = true;
    try {
      await post(`/api/v1/alerts/${alert.id}/cancel`, { reason: reason.value.trim() });
      toastInfo(t('alerts.cancelled', { headline: alertText(alert) }));
      onDone();
    } catch (error) {
      toastError(error);
      confirm.disabled = false;
    }
  });
  queueMicrotask(() => reason.focus());
  return form;
}

export function alertsView() {
  const list = h('ul', { class: 'alert-list', testid: 'alert-list' });
  const formBox = h('div', { class: 'alert-form-box' });
  const newButton = h('button', { type: 'button', class: 'primary', testid: 'alert-new', 'data-t': 'alerts.new', onclick: () => openForm(null) });
  const count = h('span', { class: 'view-counts', testid: 'alert-count' });
  const el = h('div', { class: 'view view-alerts', testid: 'alerts-view' },
    h('div', { class: 'view-head' }, h('h2', { 'data-t': 'alerts.title' }), count, newButton),
    formBox,
    h('div', { class: 'section-title', 'data-t': 'alerts.active' }),
    list);
  let form = null;
  let cancelling = null; // the id of the alert whose cancel form is open
  let visible = false;

  const closeForm = () => {
    form?.remove();
    form = null;
    formBox.replaceChildren();
    newButton.hidden = false;
  };

  const openForm = (alert) => {
    closeForm();
    cancelling = null;
    form = alertForm({
      alert,
      onClose: closeForm,
      onSubmit: async (body) => {
        try {
          const done = alert ? await post(`/api/v1/alerts/${alert.id}/update`, body) : await post('/api/v1/alerts', body);
          toastInfo(t(alert ? 'alerts.updated' : 'alerts.issued', { headline: alertText(done) }));
          closeForm();
          await refreshAlerts();
        } catch (error) {
          toastError(error);
          throw error;
        }
      },
    });
    formBox.replaceChildren(form.el);
    newButton.hidden = true;
    render();
  };

  const row = (alert) => {
    const ours = alert.origin === 'ours';
    const where = areaText(alert) || (alert.area?.district ? district(alert.area.district) : '');
    const actions = h('div', { class: 'alert-actions' },
      h('button', { type: 'button', testid: 'alert-show', onclick: (event) => { event.stopPropagation(); showAlertOnMap(alert); } }, t('alerts.show_on_map')),
      h('button', { type: 'button', testid: 'alert-cap', onclick: (event) => { event.stopPropagation(); openCap(alert); } }, t('alerts.cap_xml')),
      ours ? h('button', { type: 'button', testid: 'alert-update', onclick: (event) => { event.stopPropagation(); openForm(alert); } }, t('alerts.update')) : null,
      ours ? h('button', {
        type: 'button', class: 'warn', testid: 'alert-cancel',
        onclick: (event) => { event.stopPropagation(); cancelling = cancelling === alert.id ? null : alert.id; render(); },
      }, t('alerts.cancel')) : null);
    return h('li', { class: `alert-row alert-${ours ? 'ours' : 'imported'} severity-${alert.severity}`, testid: 'alert-row', dataset: { alertId: alert.id, origin: alert.origin, identifier: alert.identifier } },
      h('div', { class: 'alert-line' },
        h('span', { class: `alert-origin alert-origin-${alert.origin}`, testid: 'alert-origin' },
          ours ? t('alerts.ours') : t('alerts.imported_from', { source: alert.source || alert.sender || '—' })),
        h('span', { class: `alert-severity alert-severity-${alert.severity}` }, tOr(`alerts.severity_${alert.severity}`, alert.severity)),
        h('b', { class: 'alert-headline', testid: 'alert-headline' }, alertText(alert))),
      h('div', { class: 'alert-line' },
        h('span', null, alert.event),
        where ? h('small', { testid: 'alert-where' }, where) : null,
        h('small', null, t('alerts.sent', { time: formatDateTime(alert.sent) })),
        alert.expires ? h('small', { testid: 'alert-expires-at' }, t('alerts.until', { time: formatDateTime(alert.expires) })) : null,
        alert.msg_type === 'Update' ? h('small', { class: 'badge' }, t('alerts.was_updated')) : null),
      actions,
      cancelling === alert.id ? cancelForm(alert, { onDone: () => { cancelling = null; refreshAlerts(); }, onClose: () => { cancelling = null; render(); } }) : null);
  };

  const render = () => {
    const alerts = activeAlerts();
    count.textContent = t('alerts.count', { n: alerts.length });
    if (!alerts.length) {
      list.replaceChildren(h('li', { class: 'empty' }, t('alerts.none')));
      return;
    }
    // Ours first, then the most recently sent.
    const sorted = [...alerts].sort((a, b) => (a.origin === 'ours' ? 0 : 1) - (b.origin === 'ours' ? 0 : 1) || String(b.sent).localeCompare(String(a.sent)));
    list.replaceChildren(...sorted.map(row));
  };

  on('alerts', () => visible && cancelling === null && render()); // a reason being typed is not wiped
  applyTexts(el);

  return {
    el,
    show() {
      visible = true;
      render();
      refreshAlerts();
    },
    hide() {
      visible = false;
      form?.pause(); // kept as typed; the map's clicks go back to whoever needs them
    },
    relabel() {
      applyTexts(el);
      if (visible) render();
    },
  };
}
