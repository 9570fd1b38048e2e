// Lookups of the call form: addresses from the gazetteer, categories from the catalogue (all three languages).
import { get } from '../core/api.js';
import { h } from '../core/dom.js';
import { locale, t, tOr } from '../core/i18n.js';
import { district } from '../core/labels.js';
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
  return [
    h('span', { class: 'sg-main' }, item.label),
    h('span', { class: 'sg-tag' }, tOr(`address_kind.${item.kind}`, item.kind)),
    item.district ? h('span', { class: 'sg-tag sg-district', testid: 'suggestion-district' }, district(item.district)) : null,
  ];
}

const fold = (text) => text.toLowerCase().replaceAll('ё', 'е').replace(/[«»"'()]/g, ' ');
const wordsOf = (text) => text.split(/[\s,.\-/]+/).filter(Boolean);
// A crude stem: a longer word without its last two letters, so «пропал» meets «пропажа», «драки» «драка».
const stem = (word) => (word.length >= 5 ? word.slice(0, Math.max(4, word.length - 2)) : word);

/** How well one typed word fits a word of the category: the same, its start, or the same stem (0 for none). */
function wordFit(typed, word) {
  if (word === typed) return 1;
  if (word.startsWith(typed)) return 0.9;
  return typed.length >= 4 && word.startsWith(stem(typed)) ? 0.7 : 0;
}

/**
 * A category's score for the typed text: the code (4), the start of a name (3), the start of a word callers
 * use for it (2.5), the start of a word of a name (2), every typed word fitting some word of its names or
 * words, allowing stems (1.7–2), or a name holding the text (1); 0 when nothing fits.
 */
function score(category, query) {
  if (fold(category.code) === query) return 4;
  const names = [category.code.replaceAll('_', ' '), ...Object.values(category.name)].map(fold);
  const said = Object.values(category.words ?? {}).flat().map(fold);
  let best = 0;
  for (const name of names) {
    if (name.startsWith(query)) best = Math.max(best, 3);
    else if (wordsOf(name).some((word) => word.startsWith(query))) best = Math.max(best, 2);
    else if (name.includes(query)) best = Math.max(best, 1);
  }
  if (said.some((text) => text.startsWith(query))) best = Math.max(best, 2.5);
  const words = [...names, ...said].flatMap(wordsOf);
  const typed = wordsOf(query);
  const fits = typed.map((t) => Math.max(0, ...words.map((word) => wordFit(t, word))));
  if (typed.length && fits.every((fit) => fit > 0)) best = Math.max(best, 1 + fits.reduce((a, b) => a + b, 0) / typed.length);
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
