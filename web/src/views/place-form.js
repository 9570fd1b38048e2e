// Setting an incident's place from its card: an address search (Enter or Tab takes the best match) or a click on
// the map. The place is sent at once; the card then reloads and offers units for it.
import { get, post } from '../core/api.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { toastError } from '../core/toast.js';
import { setPickHandler, showPickedPoint } from '../map/map.js';
import { addressSuggestions } from './call-lookups.js';

/** incident: the card's incident; onPlaced(): after the server took the place; onClose(): close the form. */
export function placeForm({ incident, onPlaced, onClose }) {
  const input = h('input', { testid: 'place-address', 'data-t-placeholder': 'call.address_placeholder', placeholder: t('call.address_placeholder') });
  const status = h('span', { class: 'hint', testid: 'place-status' }, t('place.map_hint'));
  let sending = false;

  async function place(lat, lon, address) {
    if (sending) return;
    sending = true;
    showPickedPoint(lat, lon);
    status.textContent = t('place.sending');
    try {
      await post(`/api/v1/incidents/${incident.id}/location`, { lat, lon, address: address || incident.address || null });
      close();
      onPlaced();
    } catch (error) {
      sending = false;
      status.textContent = t('place.map_hint');
      toastError(error);
    }
  }

  async function clicked(lat, lon) {
    let label = null;
    try {
      label = (await get(`/api/v1/geo/reverse?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`)).label;
    } catch (error) {
      if (error.status !== 404) toastError(error);
    }
    await place(lat, lon, label);
  }

  const suggest = addressSuggestions(input, {
    testid: 'place-suggestions',
    onPick: (item) => {
      input.value = item.label;
      place(item.lat, item.lon, item.label);
    },
  });

  function close() {
    setPickHandler(null);
    showPickedPoint(null, null);
    onClose();
  }

  const cancel = h('button', { type: 'button', testid: 'place-cancel', onclick: close }, t('action.cancel'));
  const form = h('form', { class: 'action-form place-form', testid: 'place-form' },
    h('div', { class: 'action-title' }, t('place.title')),
    h('div', { class: 'field-wrap' }, h('label', { class: 'field' }, h('span', null, t('call.address')), input), suggest.list),
    h('div', { class: 'field-note' }, status),
    h('div', { class: 'form-actions' }, cancel));
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  setPickHandler(clicked);
  queueMicrotask(() => input.focus());
  return form;
}
