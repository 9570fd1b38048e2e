// A suggestion list under an input: typed text → debounced lookup; arrow keys, Enter picks, Escape closes.
import { debounce, h } from '../core/dom.js';

let lists = 0;

/**
 * lookup(query) → Promise<items>; render(item) → Node|string; onPick(item) when chosen.
 * The first item is highlighted, so Enter takes the best match (and Tab too, with pickOnTab). When the operator
 * tabs away before the list has appeared, the best match is taken only if `sureEnough(item)` says so: nobody
 * saw it, so a weak match must not become the place silently.
 */
export function attachSuggestions(input, {
  testid, lookup, render, onPick, minLength = 1, delay = 150, pickOnTab = false, sureEnough = () => true,
}) {
  lists += 1;
  const listId = `suggest-${lists}`;
  const list = h('ul', { class: 'suggestions', id: listId, role: 'listbox', testid, hidden: true });
  let items = [];
  let active = -1;
  let asked = 0;
  let typed = false; // the text changed since the last pick
  let edits = 0; // changes of the text, so that a late answer for older text is dropped

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', listId);
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('autocomplete', 'off');

  const isOpen = () => !list.hidden && items.length > 0;

  const highlight = (index) => {
    active = index;
    for (const [i, li] of [...list.children].entries()) li.classList.toggle('active', i === index);
    const li = list.children[index];
    if (li) {
      input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  const clear = () => {
    asked += 1;
    items = [];
    active = -1;
    list.replaceChildren();
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };

  const show = (found) => {
    items = found;
    list.replaceChildren(
      ...found.map((item, i) =>
        h(
          'li',
          {
            id: `${listId}-${i}`,
            role: 'option',
            class: 'suggestion',
            testid: 'suggestion',
            onmousedown: (event) => {
              event.preventDefault();
              pick(i);
            },
          },
          render(item),
        ),
      ),
    );
    list.hidden = found.length === 0;
    input.setAttribute('aria-expanded', String(found.length > 0));
    highlight(found.length ? 0 : -1);
  };

  const pick = (index) => {
    const item = items[index];
    run.cancel(); // a lookup still waiting for its debounce would reopen the list over what comes next
    clear();
    if (item !== undefined) {
      typed = false;
      onPick(item);
    }
  };

  /** Tab before the list came: look the text up now and take the best match, unless it changed meanwhile. */
  const pickBest = async () => {
    const query = input.value.trim();
    const edit = edits;
    run.cancel();
    clear();
    if (query.length < minLength) return;
    try {
      const found = await lookup(query);
      if (edit === edits && found.length && sureEnough(found[0])) {
        typed = false;
        onPick(found[0]);
      }
    } catch {
      // nothing to take; what was typed stays
    }
  };

  const run = debounce(async () => {
    const query = input.value.trim();
    const ticket = ++asked;
    if (query.length < minLength) {
      clear();
      return;
    }
    try {
      const found = await lookup(query);
      if (ticket === asked && document.activeElement === input) show(found);
    } catch {
      if (ticket === asked) clear();
    }
  }, delay);

  input.addEventListener('input', () => {
    typed = true;
    edits += 1;
    run();
  });
  // Closed a moment after the field loses focus (a click on an item lands first), unless it has focus again by then:
  // an operator who clicks away and straight back, typing at once, keeps the list of what they type.
  input.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== input) clear();
  }, 100));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      if (isOpen()) {
        event.preventDefault();
        event.stopPropagation();
      }
      run.cancel();
      clear();
    } else if (!isOpen()) {
      if (event.key === 'ArrowDown') run();
      else if (event.key === 'Tab' && pickOnTab && !event.shiftKey && typed) pickBest(); // and let Tab move on
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      highlight((active - 1 + items.length) % items.length);
    } else if (event.key === 'Enter' && !event.ctrlKey && active >= 0) {
      event.preventDefault();
      event.stopPropagation();
      pick(active);
    } else if (event.key === 'Tab' && pickOnTab && !event.shiftKey && active >= 0) {
      pick(active); // and let Tab move on
    }
  });

  return { list, clear, isOpen, refresh: run };
}
