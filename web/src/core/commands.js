// The dispatcher's command line as a language: its words, parsing and completion. Pure functions over the typed
// text and a picture of the floor ({units: [{id, call_sign, status}], incidents: [{id, number}]}); nothing here
// touches the page or the server, so it runs under node as well (tests/console/test_console_command_line.py).
//
// The words below are the command language's vocabulary, not screen texts: a line is understood in ru, kk and en
// whatever language the console shows, so all three are known at once. What the console says about a command
// (help, errors, results) comes from the catalogue under cmd.* keys.
import { unitHandMoves } from './domain.js';

const COMMANDS = [
  { name: 'assign', words: { ru: ['НАЗНАЧИТЬ'], kk: ['ТАҒАЙЫНДАУ'], en: ['ASSIGN'] } },
  { name: 'status', words: { ru: ['СТАТУС'], kk: ['МӘРТЕБЕ'], en: ['STATUS'] } },
  { name: 'find', words: { ru: ['НАЙТИ'], kk: ['ІЗДЕУ'], en: ['FIND'] } },
  { name: 'note', words: { ru: ['ЗАМЕТКА'], kk: ['ЕСКЕРТПЕ'], en: ['NOTE'] } },
  { name: 'open', words: { ru: ['ОТКРЫТЬ'], kk: ['АШУ'], en: ['OPEN'] } },
  { name: 'help', words: { ru: ['ПОМОЩЬ'], kk: ['КӨМЕК'], en: ['HELP'] } },
];

// Unit statuses a dispatcher may name, with the words for each (a word may be several: «не в строю»).
const STATUS_WORDS = {
  available: { ru: ['свободен', 'свободна'], kk: ['бос'], en: ['available', 'free'] },
  busy: { ru: ['занят', 'занята'], kk: ['бос емес'], en: ['busy'] },
  out_of_service: { ru: ['не в строю'], kk: ['қатардан тыс'], en: ['out of service', 'out_of_service'] },
};

const LANGS = ['ru', 'kk', 'en'];
const MIN_PREFIX = 3; // a command word may be shortened to any prefix this long that names one command
const MAX_OPTIONS = 10;
// An incident's or appeal's number as typed: whole (INC-2026-000123, 102-2026-000123), with its year (2026-000123)
// or its sequence alone (123), as the search understands them (kuzet/incidents/search.py).
const NUMBER_SHAPES = [/^[a-z0-9]{1,10}-\d{4}-\d{1,6}$/i, /^\d{4}-\d{1,6}$/, /^\d{1,6}$/];

/** Whether a word is typed as a number (not a call sign). */
export function isNumber(word) {
  const text = String(word).trim();
  return NUMBER_SHAPES.some((shape) => shape.test(text));
}

/** Lower case, ё as е, one space between words: how typed text and vocabulary are compared. */
export function normalize(text) {
  return fold(text).trim();
}

function fold(text) {
  return String(text).toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');
}

/** The words of a command, the given language's first. */
function wordsOf(command, lang) {
  return [lang, ...LANGS.filter((l) => l !== lang)].flatMap((l) => command.words[l] ?? []);
}

/** Words and their positions: [{text, start, end}]. */
export function tokenize(line) {
  return [...String(line).matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
}

/** The command a word names: exactly, or by a prefix of at least MIN_PREFIX letters that fits one command only. */
export function commandOf(word) {
  const typed = normalize(word);
  if (!typed) return null;
  const exact = COMMANDS.find((c) => LANGS.some((l) => (c.words[l] ?? []).some((w) => normalize(w) === typed)));
  if (exact) return exact.name;
  if (typed.length < MIN_PREFIX) return null;
  const fitting = COMMANDS.filter((c) => LANGS.some((l) => (c.words[l] ?? []).some((w) => normalize(w).startsWith(typed))));
  return fitting.length === 1 ? fitting[0].name : null;
}

/** The command's word in a language (for help and hints). */
export function commandWord(name, lang) {
  const command = COMMANDS.find((c) => c.name === name);
  return command ? wordsOf(command, lang)[0] : name;
}

export function commandNames() {
  return COMMANDS.map((c) => c.name);
}

/** The unit status named by the text (codes count too), or null. */
export function statusOf(text) {
  const typed = normalize(text);
  if (!typed) return null;
  for (const [code, words] of Object.entries(STATUS_WORDS)) {
    if (typed === code || LANGS.some((l) => words[l].some((w) => normalize(w) === typed))) return code;
  }
  return null;
}

/** A status's word in a language. */
export function statusWord(code, lang) {
  return STATUS_WORDS[code]?.[lang]?.[0] ?? code;
}

/** The unit with this call sign (any case, ё as е), or null. */
export function findUnit(callSign, units) {
  const typed = normalize(callSign);
  if (!typed) return null;
  return units.find((u) => normalize(u.call_sign) === typed) ?? null;
}

/**
 * The incident a typed number names: the whole number (INC-2026-000123) or another it is known by (aliases: an
 * appeal's number), or its tail when one incident only ends so (000123, 123, 2026-000123).
 * Returns {incident} or {error} ('cmd.error.no_incident' or 'cmd.error.ambiguous_incident').
 */
export function findIncident(typed, incidents) {
  const text = normalize(typed);
  const exact = incidents.find((i) => [i.number, ...(i.aliases ?? [])].some((n) => normalize(n) === text));
  if (exact) return { incident: exact };
  const serial = /^\d+$/.test(text) ? Number(text) : null;
  const fitting = incidents.filter((i) => {
    const number = normalize(i.number);
    if (number.endsWith(`-${text}`)) return true;
    const tail = number.split('-').pop();
    return serial !== null && /^\d+$/.test(tail) && Number(tail) === serial;
  });
  if (fitting.length === 1) return { incident: fitting[0] };
  return { error: fitting.length ? 'cmd.error.ambiguous_incident' : 'cmd.error.no_incident' };
}

const fail = (key, params = {}) => ({ ok: false, error: { key, params } });

/** The incident named by `token`, or the one open in the card when no number was typed. */
function incidentFor(token, world, currentIncidentId) {
  if (token) {
    const found = findIncident(token, world.incidents);
    return found.error ? fail(found.error, { number: token }) : { ok: true, incident: found.incident };
  }
  const current = world.incidents.find((i) => i.id === currentIncidentId) ?? null;
  return current ? { ok: true, incident: current } : fail('cmd.error.need_incident');
}

function unitFor(text) {
  return (world) => {
    if (!text) return fail('cmd.error.need_unit');
    const unit = findUnit(text, world.units);
    return unit ? { ok: true, unit } : fail('cmd.error.no_unit', { unit: text });
  };
}

/** The status named by the last one to three words, and the words before it (the call sign). */
function splitStatus(words) {
  for (let n = Math.min(3, words.length - 1); n >= 1; n -= 1) {
    const status = statusOf(words.slice(-n).join(' '));
    if (status) return { status, rest: words.slice(0, -n), statusText: words.slice(-n).join(' ') };
  }
  return { status: null, rest: words.slice(0, -1), statusText: words.at(-1) ?? '' };
}

/**
 * ASSIGN: the number and the call sign in either order; without a number, the incident open in the card. A call
 * sign may hold a word that looks like a number (Eagle 7): each reading is tried, whole numbers first, and the
 * error kept is one where the other half was understood.
 */
function parseAssign(words, world, currentIncidentId) {
  const numbered = words.map((_, i) => i).filter((i) => isNumber(words[i]));
  numbered.sort((a, b) => Number(!words[a].includes('-')) - Number(!words[b].includes('-')));
  let halfway = null;
  let first = null;
  for (const at of [...numbered, -1]) {
    const found = incidentFor(at >= 0 ? words[at] : null, world, currentIncidentId);
    const unit = unitFor(words.filter((_, i) => i !== at).join(' '))(world);
    if (found.ok && unit.ok) return { ok: true, command: 'assign', incident: found.incident, unit: unit.unit };
    if (found.ok || unit.ok) halfway ??= found.ok ? unit : found;
    first ??= found.ok ? unit : found;
  }
  return halfway ?? first;
}

/**
 * Understand a line. Returns {ok: true, command, …what it needs} or {ok: false, error: {key, params}}, the key
 * a cmd.error.* text. `world` is the console's picture of the floor; `currentIncidentId` the card open now.
 * Error params named from/to are unit status codes (the console shows them in its language).
 */
export function parse(line, world, { currentIncidentId = null } = {}) {
  const tokens = tokenize(line);
  if (!tokens.length) return fail('cmd.error.empty');
  const command = commandOf(tokens[0].text);
  if (!command) return fail('cmd.error.unknown_command', { word: tokens[0].text });
  const words = tokens.slice(1).map((token) => token.text);
  const restText = tokens.length > 1 ? String(line).slice(tokens[1].start).trim() : '';

  if (command === 'help') return { ok: true, command };
  if (command === 'find') return restText ? { ok: true, command, query: restText } : fail('cmd.error.need_query');
  if (command === 'open') {
    if (!words.length) return fail('cmd.error.need_incident');
    const found = incidentFor(words.join(' '), world, null);
    return found.ok ? { ok: true, command, incident: found.incident } : found;
  }
  if (command === 'note') {
    const numbered = words.length > 0 && isNumber(words[0]);
    const found = incidentFor(numbered ? words[0] : null, world, currentIncidentId);
    if (!found.ok) return found;
    const text = numbered ? restText.slice(words[0].length).trim() : restText;
    return text ? { ok: true, command, incident: found.incident, text } : fail('cmd.error.need_text');
  }
  if (command === 'assign') return parseAssign(words, world, currentIncidentId);
  // status: STATUS <call sign> <status>
  if (!words.length) return fail('cmd.error.need_unit');
  const { status, rest, statusText } = splitStatus(words);
  if (words.length < 2) {
    return findUnit(words[0], world.units) ? fail('cmd.error.need_status') : fail('cmd.error.no_unit', { unit: words[0] });
  }
  if (!status) return fail('cmd.error.unknown_status', { word: statusText });
  const unit = unitFor(rest.join(' '))(world);
  if (!unit.ok) return unit;
  const from = unit.unit.status;
  if (from === status) return fail('cmd.error.status_same', { unit: unit.unit.call_sign, to: status });
  if (!unitHandMoves(from).includes(status)) return fail('cmd.error.status_not_allowed', { unit: unit.unit.call_sign, from, to: status });
  return { ok: true, command, unit: unit.unit, status };
}

// --- completion ---------------------------------------------------------------------------------------------

const option = (value, kind, extra = {}) => ({ value, kind, ...extra });

function startsWithText(value, typed) {
  return normalize(value).startsWith(normalize(typed));
}

function commandOptions(typed, lang) {
  const seen = new Set();
  const found = [];
  for (const l of [lang, ...LANGS.filter((x) => x !== lang)]) {
    for (const command of COMMANDS) {
      for (const word of command.words[l] ?? []) {
        // With nothing typed, only the console's language; once typed, any language that fits.
        if ((typed || l === lang) && startsWithText(word, typed) && !seen.has(word)) {
          seen.add(word);
          found.push(option(word, 'command', { command: command.name }));
        }
      }
    }
  }
  return found;
}

function unitOptions(typed, units) {
  return units
    .filter((u) => startsWithText(u.call_sign, typed))
    .sort((a, b) => a.call_sign.localeCompare(b.call_sign, undefined, { numeric: true }))
    .map((u) => option(u.call_sign, 'unit', { id: u.id, status: u.status }));
}

function incidentOptions(typed, incidents) {
  const text = normalize(typed);
  return incidents
    .filter((i) => {
      const number = normalize(i.number);
      const serial = number.split('-').pop().replace(/^0+/, '');
      return !text || number.startsWith(text) || number.includes(`-${text}`) || serial.startsWith(text);
    })
    .map((i) => option(i.number, 'incident', { id: i.id }));
}

function statusOptions(typed, unit, lang) {
  const allowed = unit ? unitHandMoves(unit.status) : Object.keys(STATUS_WORDS);
  const found = [];
  for (const code of allowed) {
    const words = [lang, ...LANGS.filter((l) => l !== lang)].flatMap((l) => STATUS_WORDS[code][l]);
    const fit = typed ? words.find((w) => startsWithText(w, typed)) : STATUS_WORDS[code][lang][0];
    if (fit) found.push(option(fit, 'status', { status: code }));
  }
  return found;
}

/**
 * What may complete the line as typed (the cursor at its end): {from, options: [{value, kind, from?, …}]}; the
 * text from the option's `from` (else the answer's) to the end is what an option replaces. Command words, then call signs, incident numbers or
 * unit statuses as the command expects them.
 */
export function complete(line, world, lang = 'ru') {
  const text = String(line);
  const tokens = tokenize(text);
  const trailing = /\s$/.test(text);
  if (!tokens.length || (tokens.length === 1 && !trailing)) {
    const typed = tokens[0]?.text ?? '';
    return { from: tokens[0]?.start ?? text.length, options: commandOptions(typed, lang).slice(0, MAX_OPTIONS) };
  }
  const command = commandOf(tokens[0].text);
  const args = tokens.slice(1);
  const current = trailing ? null : args.at(-1); // the word being typed, if any
  const done = current ? args.slice(0, -1) : args; // the words finished before it
  const typed = current?.text ?? '';
  const from = current?.start ?? text.length;
  const limit = (options) => ({ from, options: options.slice(0, MAX_OPTIONS) });

  if (command === 'open' || (command === 'note' && done.length === 0)) {
    return limit(incidentOptions(typed, world.incidents));
  }
  if (command === 'assign') {
    // Numbers while none names an incident yet; call signs (of one or more words) from the first other word.
    const named = done.find((t) => isNumber(t.text) && findIncident(t.text, world.incidents).incident);
    const numbers = named ? [] : incidentOptions(typed, world.incidents).map((o) => ({ ...o, from }));
    const signStart = (done.find((t) => t !== named) ?? current)?.start ?? from;
    const units = typed || named ? unitOptions(text.slice(signStart), world.units).map((o) => ({ ...o, from: signStart })) : [];
    return limit([...numbers, ...units]);
  }
  if (command === 'status') {
    if (!args.length) return limit(unitOptions('', world.units));
    const argsText = text.slice(args[0].start);
    // The longest call sign the words so far begin with; what follows it is the status being typed.
    const unit = [...world.units]
      .sort((a, b) => b.call_sign.length - a.call_sign.length)
      .find((u) => fold(argsText).startsWith(`${normalize(u.call_sign)} `));
    if (!unit) return { from: args[0].start, options: unitOptions(argsText, world.units).slice(0, MAX_OPTIONS) };
    const next = args[tokenize(unit.call_sign).length];
    const statusFrom = next ? next.start : text.length;
    return { from: statusFrom, options: statusOptions(text.slice(statusFrom).trim(), unit, lang) };
  }
  return { from, options: [] };
}

/**
 * What FIND looks for (GET /api/v1/incidents/search): a caller's phone (+7 701 …, 8 701 …), an incident or appeal
 * number (INC-2026-000123, 102-2026-000123, 2026-000123, 123), else words of the address or the text.
 */
export function findCriteria(query) {
  const text = String(query).trim();
  const digits = text.replace(/[\s()-]/g, '');
  if (/^\+?\d{10,15}$/.test(digits) && (text.startsWith('+') || /^[78]/.test(digits))) return { phone: text };
  if (isNumber(text)) return { number: text };
  return { q: text };
}
