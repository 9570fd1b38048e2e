// Lookups of the call form: addresses from the gazetteer, categories from the catalogue (all three languages).
import { get } from '../core/api.js';
import { h } from '../core/dom.js';
import { locale, t, tOr } from '../core/i18n.js';
import { state } from '../core/store.js';
import { attachSuggestions } from './suggest.js';

const MAX_ITEMS = 8;

export function lookupAddress(query) {
  return get(`/api/v1/geo/search?q=${encodeURIComponent(query)}&limit=${MAX_ITEMS}`);
}

/** A match good enough to be taken without being seen (0..100, as the server's gazetteer scores). */
const sureAddress = (item) => item.score >= 85;

/** Gazetteer suggestions under an address input: Enter or Tab takes the best (Tab unseen only if sure). */
export function addressSuggestions(input, { testid, onPick }) {
  return attachSuggestions(input, {
    testid, lookup: lookupAddress, render: renderAddress, minLength: 2, delay: 200, pickOnTab: true, sureEnough: sureAddress, onPick,
  });
}

export function renderAddress(item) {
  return [h('span', { class: 'sg-main' }, item.label), h('span', { class: 'sg-tag' }, tOr(`address_kind.${item.kind}`, item.kind))];
}

const fold = (text) => text.toLowerCase().replaceAll('ё', 'е').replace(/[«»"'()]/g, ' ');

function score(category, query) {
  const names = [category.code.replaceAll('_', ' '), ...Object.values(category.name)].map(fold);
  let best = 0;
  for (const name of names) {
    if (name.startsWith(query)) best = Math.max(best, 3);
    else if (name.split(/[\s,.-]+/).some((word) => word.startsWith(query))) best = Math.max(best, 2);
    else if (name.includes(query)) best = Math.max(best, 1);
  }
  if (fold(category.code) === query) best = 4;
  return best;
}

/** Categories matching the typed text in code or any language, best and most urgent first. */
export function lookupCategory(query) {
  const wanted = fold(query.trim());
  const found = [];
  for (const category of state.categories) {
    const s = score(category, wanted);
    if (s > 0) found.push([s, category]);
  }
  found.sort(([sa, a], [sb, b]) => sb - sa || a.priority - b.priority || categoryLabel(a).localeCompare(categoryLabel(b)));
  return Promise.resolve(found.slice(0, MAX_ITEMS).map(([, category]) => category));
}

export function categoryLabel(category) {
  return category.name[locale()] || category.name.ru || category.code;
}

export function renderCategory(category) {
  return [
    h('span', { class: `prio prio-${category.priority}` }, t('priority.short', { n: category.priority })),
    h('span', { class: 'sg-main' }, categoryLabel(category)),
    h('span', { class: 'sg-tag' }, category.code),
    category.agencies.length ? h('span', { class: 'sg-tag sg-agency' }, category.agencies.map((a) => tOr(`agency.${a}`, a)).join(', ')) : null,
  ];
}

/** The category the typed text names exactly (code or a name in any language), if any. */
export function exactCategory(text) {
  const wanted = fold(text.trim());
  if (!wanted) return null;
  return state.categories.find((c) => fold(c.code) === wanted || Object.values(c.name).some((n) => fold(n) === wanted)) ?? null;
}

export function priorityText(priority) {
  return t(`priority.${priority}`);
}
