// UI texts come from the server (GET /api/v1/console/texts); the language is remembered in localStorage.
import { emit } from './bus.js';

export const LOCALES = ['ru', 'kk', 'en'];
const STORAGE_KEY = 'kuzet.locale';
const INTL_TAGS = { ru: 'ru-RU', kk: 'kk-KZ', en: 'en-GB' };

let texts = {};
let current = LOCALES.includes(localStorage.getItem(STORAGE_KEY)) ? localStorage.getItem(STORAGE_KEY) : 'ru';

export function locale() {
  return current;
}

export function intlLocale() {
  return INTL_TAGS[current];
}

/** The text of `key`, with {name} placeholders filled from `params`. */
export function t(key, params) {
  const text = texts[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Like t(), but returns `fallback` when the key is unknown (for values that may be new to the console). */
export function tOr(key, fallback) {
  return key in texts ? texts[key] : fallback;
}

export async function loadTexts(wanted = current) {
  const response = await fetch(`/api/v1/console/texts?locale=${encodeURIComponent(wanted)}`, {
    headers: { Accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`texts: HTTP ${response.status}`);
  texts = await response.json();
  current = wanted;
  localStorage.setItem(STORAGE_KEY, wanted);
  document.documentElement.lang = wanted;
  document.title = t('app.title');
  applyTexts(document.body);
}

/** Switch the language: fetch its texts, relabel static elements, let the views re-render. */
export async function switchLocale(wanted) {
  if (!LOCALES.includes(wanted)) return;
  await loadTexts(wanted);
  emit('locale', wanted);
}

/** Fill elements marked data-t (text), data-t-placeholder, data-t-title and data-t-aria. */
export function applyTexts(root) {
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll('[data-t-placeholder]')) el.placeholder = t(el.dataset.tPlaceholder);
  for (const el of root.querySelectorAll('[data-t-title]')) el.title = t(el.dataset.tTitle);
  for (const el of root.querySelectorAll('[data-t-aria]')) el.setAttribute('aria-label', t(el.dataset.tAria));
}
