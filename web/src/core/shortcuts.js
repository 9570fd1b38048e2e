// Every key the console binds, in one table: the views test their key events against it (matches), and F1's
// sheet lists it, so the sheet cannot name a key that does nothing or miss one that does something.
// An entry: id, keys (as shown), where it works (scope, a keys.scope_* text), what it does (text), match(event).
// The top bar's view keys (F2, F3, …) are added by the shell from its own list (addShortcut).

const ctrl = (event) => event.ctrlKey || event.metaKey;
const plain = (event) => !event.ctrlKey && !event.metaKey && !event.altKey;

/** The digit 1…5 of Alt+1…Alt+5 (by the key's place, whatever the keyboard layout), else null. */
export function altDigit(event) {
  if (!event.altKey || ctrl(event) || !/^Digit[1-5]$/.test(event.code)) return null;
  return Number(event.code.slice(5));
}

const TABLE = [
  { id: 'help', keys: ['F1'], scope: 'keys.scope_everywhere', text: 'keys.help', match: (e) => e.key === 'F1' && plain(e) },
  { id: 'sheet-close', keys: ['Esc'], scope: 'keys.scope_everywhere', text: 'keys.sheet_close', match: (e) => e.key === 'Escape' },
  {
    id: 'command', keys: ['F9', 'Ctrl+K'], scope: 'keys.scope_everywhere', text: 'keys.command',
    match: (e) => (e.key === 'F9' && plain(e)) || (ctrl(e) && !e.altKey && e.code === 'KeyK'),
  },
  { id: 'call-submit', keys: ['Ctrl+Enter'], scope: 'keys.scope_call', text: 'keys.call_submit', match: (e) => e.key === 'Enter' && ctrl(e) },
  { id: 'call-next', keys: ['Enter'], scope: 'keys.scope_call', text: 'keys.call_next', match: (e) => e.key === 'Enter' && !ctrl(e) },
  { id: 'call-duplicate', keys: ['Alt+1…5'], scope: 'keys.scope_call', text: 'keys.call_duplicate', match: (e) => altDigit(e) !== null },
  { id: 'suggest-take', keys: ['Tab', 'Enter'], scope: 'keys.scope_forms', text: 'keys.suggest_take', match: (e) => (e.key === 'Tab' && !e.shiftKey) || (e.key === 'Enter' && !ctrl(e)) },
  { id: 'list-move', keys: ['↑', '↓'], scope: 'keys.scope_lists', text: 'keys.list_move', match: (e) => e.key === 'ArrowUp' || e.key === 'ArrowDown' },
  { id: 'list-open', keys: ['Enter'], scope: 'keys.scope_lists', text: 'keys.list_open', match: (e) => e.key === 'Enter' },
  { id: 'card-assign', keys: ['Alt+1…5'], scope: 'keys.scope_card', text: 'keys.card_assign', match: (e) => altDigit(e) !== null },
  { id: 'card-handover', keys: ['Alt+H'], scope: 'keys.scope_card', text: 'keys.card_handover', match: (e) => e.altKey && !ctrl(e) && e.code === 'KeyH' },
  { id: 'card-back', keys: ['Esc'], scope: 'keys.scope_card', text: 'keys.card_back', match: (e) => e.key === 'Escape' },
  { id: 'form-confirm', keys: ['Enter'], scope: 'keys.scope_forms', text: 'keys.form_confirm', match: (e) => e.key === 'Enter' },
  { id: 'form-close', keys: ['Esc'], scope: 'keys.scope_forms', text: 'keys.form_close', match: (e) => e.key === 'Escape' },
  { id: 'command-complete', keys: ['Tab'], scope: 'keys.scope_command', text: 'keys.command_complete', match: (e) => e.key === 'Tab' && !e.shiftKey },
  { id: 'command-history', keys: ['↑', '↓'], scope: 'keys.scope_command', text: 'keys.command_history', match: (e) => e.key === 'ArrowUp' || e.key === 'ArrowDown' },
  { id: 'command-run', keys: ['Enter'], scope: 'keys.scope_command', text: 'keys.command_run', match: (e) => e.key === 'Enter' },
  { id: 'command-leave', keys: ['Esc'], scope: 'keys.scope_command', text: 'keys.command_leave', match: (e) => e.key === 'Escape' },
];

const byId = new Map(TABLE.map((entry) => [entry.id, entry]));

/** Add a binding made elsewhere (the shell's view keys), placed before the entries of other scopes. */
export function addShortcut(entry) {
  if (byId.has(entry.id)) return;
  const at = TABLE.findIndex((e) => e.scope !== entry.scope && e.scope !== 'keys.scope_everywhere');
  TABLE.splice(at < 0 ? TABLE.length : at, 0, entry);
  byId.set(entry.id, entry);
}

/** Whether a key event is the shortcut `id` (an unknown id never matches). */
export function matches(id, event) {
  return Boolean(byId.get(id)?.match(event));
}

/** The keys of a shortcut as shown (e.g. 'F9 / Ctrl+K'). */
export function keysOf(id) {
  return byId.get(id)?.keys.join(' / ') ?? '';
}

/** Every shortcut, grouped by scope in the table's order: [{scope, entries}]. */
export function shortcutGroups() {
  const groups = new Map();
  for (const entry of TABLE) {
    if (!groups.has(entry.scope)) groups.set(entry.scope, []);
    groups.get(entry.scope).push(entry);
  }
  return [...groups].map(([scope, entries]) => ({ scope, entries }));
}
