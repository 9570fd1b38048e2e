// F1: a sheet of every key the console binds (read from core/shortcuts.js, the table the views bind through)
// and of the command line's commands. Esc or F1 closes it and gives the focus back.
import { commandNames } from '../core/commands.js';
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { matches, shortcutGroups } from '../core/shortcuts.js';
import { commandSyntax } from './command-line.js';

export function shortcutSheet() {
  const body = h('div', { class: 'sheet-body' });
  const close = h('button', { type: 'button', class: 'sheet-close', testid: 'shortcut-sheet-close', onclick: () => hide() });
  const title = h('h2', { id: 'shortcut-sheet-title' });
  const el = h(
    'div',
    { class: 'sheet-backdrop', hidden: true, onclick: (event) => event.target === el && hide() },
    h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'shortcut-sheet-title', testid: 'shortcut-sheet', tabindex: -1 },
      h('div', { class: 'sheet-head' }, title, close),
      body),
  );
  let returnTo = null;

  function render() {
    title.textContent = t('keys.title');
    close.replaceChildren(t('keys.close'), h('kbd', null, 'Esc'));
    const groups = shortcutGroups().map(({ scope, entries }) => h(
      'section',
      { class: 'sheet-group', testid: 'shortcut-group' },
      h('div', { class: 'section-title' }, t(scope)),
      h('dl', null, entries.map((entry) => [
        h('dt', { testid: 'shortcut', dataset: { id: entry.id } }, entry.keys.map((key) => h('kbd', null, key))),
        h('dd', null, t(entry.text)),
      ])),
    ));
    const commands = h(
      'section',
      { class: 'sheet-group sheet-commands', testid: 'command-help' },
      h('div', { class: 'section-title' }, t('keys.commands')),
      h('dl', null, commandNames().map((name) => [
        h('dt', { dataset: { command: name } }, h('code', null, commandSyntax(name))),
        h('dd', null, t(`cmd.help.${name}`)),
      ])),
    );
    body.replaceChildren(...groups, commands);
  }

  function show() {
    returnTo = document.activeElement;
    render();
    el.hidden = false;
    el.querySelector('.sheet').focus();
  }

  function hide() {
    if (el.hidden) return;
    el.hidden = true;
    if (returnTo?.isConnected) returnTo.focus({ preventScroll: true });
    returnTo = null;
  }

  // In the capture phase, before the views' own keys: Esc here closes the sheet, not the card.
  window.addEventListener('keydown', (event) => {
    if (matches('help', event)) {
      event.preventDefault();
      if (el.hidden) show();
      else hide();
    } else if (!el.hidden && matches('sheet-close', event)) {
      event.preventDefault();
      event.stopPropagation();
      hide();
    }
  }, true);

  return { el, show, hide, isOpen: () => !el.hidden };
}
