// Error and notice messages in the toast area (data-testid="toast"): a problem's detail and each field error.
import { h } from './dom.js';
import { t, tOr } from './i18n.js';

const LIFETIME_MS = { error: 12000, info: 6000 };

function area() {
  return document.getElementById('toasts');
}

function show(kind, title, lines = []) {
  const item = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', testid: `toast-${kind}` },
    h('div', { class: 'toast-title' }, title),
    lines.length ? h('ul', { class: 'toast-lines' }, lines.map((line) => h('li', null, line))) : null,
  );
  item.addEventListener('click', () => item.remove());
  area().append(item);
  while (area().children.length > 5) area().firstElementChild.remove();
  setTimeout(() => item.remove(), LIFETIME_MS[kind]);
}

export function toastError(error) {
  if (error?.name === 'AbortError') return;
  const problem = error?.problem ?? {};
  const title = problem.detail || problem.title || error?.message || t('error.unknown');
  const lines = (error?.fieldErrors ?? []).map((e) => (e.field ? `${tOr(`field.${e.field}`, e.field)}: ${e.message}` : e.message));
  show('error', title, lines);
}

/** Something the operator must not miss, shown as an error is, though nothing failed. */
export function toastWarning(message) {
  show('error', message, []);
}

export function toastInfo(message, lines) {
  show('info', message, lines);
}
