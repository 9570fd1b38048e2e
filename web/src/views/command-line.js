// The command line under the work column (F9 or Ctrl+K): the commands dispatchers type all day, in ru, kk or en.
// Parsing and completion live in core/commands.js; here the line is run against the API and the store.
// Tab completes (a list when several fit), ↑/↓ recall earlier commands (kept in memory only: a FIND may hold a
// phone number), errors stay until the next key, a success shows for a few seconds.
import { post } from '../core/api.js';
import { emit, on } from '../core/bus.js';
import { commandWord, complete, isNumber, parse } from '../core/commands.js';
import { can } from '../core/domain.js';
import { h, setText } from '../core/dom.js';
import { locale, t } from '../core/i18n.js';
import { categoryName, place, unitStatus } from '../core/labels.js';
import { state } from '../core/store.js';
import { keysOf, matches } from '../core/shortcuts.js';
import { findIncidents, foundList } from './command-find.js';

const HISTORY_MAX = 50;
const SUCCESS_MS = 4000;
// What each command needs of the operator's role (the server checks again).
const NEEDS = { assign: 'dispatch', status: 'dispatch', note: 'dispatch', open: 'readIncidents', find: 'readIncidents' };

/** The error of a parse, in the console's language (unit status codes named by their labels). */
export function errorText(error) {
  const params = { ...error.params };
  for (const name of ['from', 'to']) if (name in params) params[name] = unitStatus(params[name]);
  return t(error.key, params);
}

/**
 * The command line. `currentIncidentId()` is the incident open in the card (for ASSIGN and NOTE without a
 * number); `openSheet()` shows the keys (HELP).
 */
export function commandLine({ currentIncidentId, openSheet }) {
  const input = h('input', {
    class: 'cmd-input', testid: 'command-input', autocomplete: 'off', spellcheck: false, 'aria-autocomplete': 'list',
  });
  const options = h('ul', { class: 'cmd-options', testid: 'command-options', role: 'listbox', hidden: true });
  const found = h('div', { class: 'cmd-found', hidden: true });
  const result = h('div', { class: 'cmd-result', testid: 'command-result', role: 'status', 'aria-live': 'polite' });
  const hint = h('kbd', { class: 'cmd-key' });
  const el = h('div', { class: 'cmdline', testid: 'command-line' }, found, options,
    h('div', { class: 'cmd-row' }, h('span', { class: 'cmd-prompt', 'aria-hidden': 'true' }, '›'), input, hint), result);

  const history = [];
  let recalled = null; // index into history while ↑/↓ walk it
  let draft = '';
  let offered = null; // {from, options, active}
  let cleared = null;
  let returnTo = null; // where the focus was before F9

  const world = () => ({ units: [...state.units.values()], incidents: [...state.incidents.values()] });

  function relabel() {
    input.placeholder = t('cmd.placeholder', { key: keysOf('command') });
    input.setAttribute('aria-label', t('cmd.title'));
    setText(hint, keysOf('command'));
    if (offered) renderOptions();
  }

  function say(kind, text) {
    clearTimeout(cleared);
    result.dataset.kind = kind;
    setText(result, text);
    if (kind === 'ok') cleared = setTimeout(() => say('', ''), SUCCESS_MS);
  }

  // --- completion ---
  function optionHint(option) {
    if (option.kind === 'command') return t(`cmd.help.${option.command}`);
    if (option.kind === 'unit') return unitStatus(option.status);
    if (option.kind === 'status') return unitStatus(option.status);
    const incident = state.incidents.get(option.id);
    return incident ? `${categoryName(incident.category_code)} · ${place(incident)}` : '';
  }

  function renderOptions() {
    options.replaceChildren(...offered.options.map((option, i) => h('li', {
      class: `cmd-option${i === offered.active ? ' active' : ''}`,
      role: 'option',
      'aria-selected': String(i === offered.active),
      testid: 'command-option',
      dataset: { value: option.value, kind: option.kind },
      onmousedown: (event) => {
        event.preventDefault(); // keep the focus in the line
        take(option);
      },
    }, h('b', null, option.value), h('small', null, optionHint(option)))));
    options.hidden = false;
  }

  function closeOptions() {
    offered = null;
    options.hidden = true;
    options.replaceChildren();
  }

  function take(option) {
    input.value = `${input.value.slice(0, option.from ?? offered?.from ?? input.value.length)}${option.value} `;
    closeOptions();
    input.focus();
  }

  function completeLine() {
    if (offered) {
      take(offered.options[offered.active]);
      return;
    }
    const { from, options: fitting } = complete(input.value, world(), locale());
    if (!fitting.length) return;
    if (fitting.length === 1) {
      offered = { from, options: fitting, active: 0 };
      take(fitting[0]);
      return;
    }
    // Several fit: fill in what they share (when they replace the same words), and list them.
    const start = fitting[0].from ?? from;
    const shared = fitting.every((o) => (o.from ?? from) === start) ? commonPrefix(fitting.map((o) => o.value)) : '';
    const typed = input.value.slice(start);
    if (shared.length > typed.length && shared.toLowerCase().startsWith(typed.toLowerCase())) input.value = input.value.slice(0, start) + shared;
    offered = { from, options: fitting, active: 0 };
    renderOptions();
  }

  function moveOption(step) {
    offered.active = (offered.active + step + offered.options.length) % offered.options.length;
    renderOptions();
  }

  // --- history ---
  function recall(step) {
    if (!history.length) return;
    if (recalled === null) {
      if (step > 0) return;
      draft = input.value;
      recalled = history.length;
    }
    recalled = Math.min(history.length, Math.max(0, recalled + step));
    input.value = recalled === history.length ? draft : history[recalled];
    if (recalled === history.length) recalled = null;
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function remember(line) {
    if (history.at(-1) !== line) history.push(line);
    if (history.length > HISTORY_MAX) history.shift();
    recalled = null;
    draft = '';
  }

  // --- running ---
  /**
   * Parse against the store; a number the queue does not hold (an appeal's number, a closed incident) is asked
   * of the search, and taken when it names one incident.
   */
  async function understand(line) {
    const floor = world();
    const options = { currentIncidentId: currentIncidentId() };
    const parsed = parse(line, floor, options);
    const number = parsed.ok ? null : parsed.error.key === 'cmd.error.no_incident' && parsed.error.params.number;
    if (!number || !isNumber(number) || !can(state.user, 'readIncidents')) return parsed;
    const hits = await findIncidents(number);
    if (hits.length !== 1) return hits.length ? { ok: false, error: { key: 'cmd.error.ambiguous_incident', params: { number } } } : parsed;
    floor.incidents.push({ ...hits[0], aliases: [number] });
    return parse(line, floor, options);
  }

  async function run() {
    const line = input.value.trim();
    if (!line) return;
    remember(line); // refused lines too: ↑ brings them back to be put right
    let parsed;
    try {
      parsed = await understand(line);
    } catch (error) {
      say('error', problemText(error));
      return;
    }
    if (!parsed.ok) {
      say('error', errorText(parsed.error));
      return;
    }
    const needs = NEEDS[parsed.command];
    if (needs && !can(state.user, needs)) {
      say('error', t('cmd.error.not_allowed'));
      return;
    }
    input.disabled = true;
    try {
      const done = await execute(parsed);
      input.value = '';
      if (done) say('ok', done);
    } catch (error) {
      if (error?.name === 'AbortError') return;
      say('error', problemText(error));
    } finally {
      input.disabled = false;
      input.focus();
    }
  }

  async function execute(command) {
    switch (command.command) {
      case 'assign': {
        const { incident, unit } = command;
        await post(`/api/v1/incidents/${incident.id}/assignments`, { unit_id: unit.id });
        return t('card.assigned', { unit: unit.call_sign, number: incident.number });
      }
      case 'status': {
        const { unit, status } = command;
        const updated = await post(`/api/v1/units/${unit.id}/status`, { status });
        Object.assign(unit, updated);
        emit('units', new Set([unit.id]));
        return t('cmd.done.status', { unit: unit.call_sign, status: unitStatus(status) });
      }
      case 'note': {
        await post(`/api/v1/incidents/${command.incident.id}/notes`, { text: command.text });
        return t('cmd.done.note', { number: command.incident.number });
      }
      case 'open':
        emit('open-incident', command.incident.id);
        return null;
      case 'find': {
        const incidents = await findIncidents(command.query);
        showFound(command.query, incidents);
        return incidents.length ? t('cmd.done.found', { n: incidents.length }) : null;
      }
      default:
        openSheet();
        return null;
    }
  }

  function showFound(query, incidents) {
    if (!incidents.length) {
      found.hidden = true;
      say('error', t('cmd.error.nothing_found', { query }));
      return;
    }
    // One found: its card opens. Several: a list above the line (↓ moves into it), a row opens its card.
    found.hidden = incidents.length === 1;
    found.replaceChildren(foundList(incidents, (incident) => {
      found.hidden = true;
      emit('open-incident', incident.id);
    }));
    if (incidents.length === 1) emit('open-incident', incidents[0].id);
  }

  // --- keys ---
  input.addEventListener('keydown', (event) => {
    if (matches('command-complete', event)) {
      event.preventDefault(); // Tab completes here; it never leaves the line
      completeLine();
    } else if (matches('command-history', event)) {
      event.preventDefault();
      const step = event.key === 'ArrowUp' ? -1 : 1;
      if (offered) moveOption(step);
      else recall(step);
    } else if (matches('command-run', event)) {
      event.preventDefault();
      if (offered) take(offered.options[offered.active]);
      else run();
    } else if (matches('command-leave', event)) {
      event.preventDefault(); // not the card's Esc (back to the list)
      if (offered) closeOptions();
      else if (!found.hidden) found.hidden = true;
      else leave();
    }
  });
  input.addEventListener('input', () => {
    closeOptions();
    if (result.dataset.kind === 'error') say('', '');
  });
  input.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== input) closeOptions();
  }, 150));

  function leave() {
    input.blur();
    if (returnTo?.isConnected) returnTo.focus({ preventScroll: true });
    returnTo = null;
  }

  document.addEventListener('keydown', (event) => {
    if (!matches('command', event)) return;
    event.preventDefault();
    if (document.activeElement !== input) returnTo = document.activeElement;
    input.focus();
    input.select();
  });
  on('locale', relabel);
  relabel();

  return { el, focus: () => input.focus() };
}

/** The server's refusal in words: its detail (in the console's language), and what it said of each field. */
function problemText(error) {
  const detail = error?.problem?.detail || error?.problem?.title || t('error.unknown');
  const fields = (error?.fieldErrors ?? []).map((e) => e.message).filter(Boolean);
  return fields.length ? `${detail} ${fields.join('; ')}` : detail;
}

function commonPrefix(values) {
  let prefix = values[0] ?? '';
  for (const value of values) {
    while (prefix && !value.toLowerCase().startsWith(prefix.toLowerCase())) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** The command's syntax in the console's language: its word and what it takes (for the keys sheet). */
export function commandSyntax(name) {
  const word = commandWord(name, locale());
  return name === 'help' ? word : `${word} ${t(`cmd.args.${name}`)}`;
}
