// A tiny element builder: h('div', {class: 'row', dataset: {id: 1}, onclick}, 'text', child).

export function h(tag, attrs = null, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') el.className = value;
      else if (name === 'dataset') Object.assign(el.dataset, value);
      else if (name === 'testid') el.dataset.testid = value;
      else if (name === 'text') el.textContent = value;
      else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
      else if (name in el && typeof value !== 'string') el[name] = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Set text only when it changed (cheap in-place updates of long lists). */
export function setText(el, text) {
  const value = text === null || text === undefined ? '' : String(text);
  if (el.textContent !== value) el.textContent = value;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/**
 * Bring keyed rows in line with a Map of items: make, fill or drop the rows of the changed ids (of all when
 * `ids` is null). `rows` maps id → {row, …}; `makeRow(id)` builds an entry, `fillRow(entry, item)` fills it.
 */
export function syncRows(rows, items, ids, makeRow, fillRow) {
  const changed = ids ?? new Set([...items.keys(), ...rows.keys()]);
  for (const id of changed) {
    const item = items.get(id);
    let entry = rows.get(id);
    if (!item) {
      entry?.row.remove();
      rows.delete(id);
      continue;
    }
    if (!entry) {
      entry = makeRow(id);
      rows.set(id, entry);
    }
    fillRow(entry, item);
  }
}
