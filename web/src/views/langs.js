// The RU / KK / EN switch (top bar and login screen).
import { h } from '../core/dom.js';
import { LOCALES, locale, switchLocale } from '../core/i18n.js';
import { on } from '../core/bus.js';
import { toastError } from '../core/toast.js';

export function langSwitch() {
  const buttons = LOCALES.map((code) =>
    h(
      'button',
      {
        type: 'button',
        class: 'lang',
        testid: `lang-${code}`,
        'aria-pressed': String(code === locale()),
        onclick: () => switchLocale(code).catch(toastError),
      },
      code.toUpperCase(),
    ),
  );
  on('locale', (current) => {
    for (const [i, button] of buttons.entries()) button.setAttribute('aria-pressed', String(LOCALES[i] === current));
  });
  return h('div', { class: 'langs', role: 'group', 'data-t-aria': 'lang.switch' }, buttons);
}
