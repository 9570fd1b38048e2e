// Open incidents that may be the event being reported; Alt+1…Alt+5 (or a click) adds the appeal to one.
import { h } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { categoryName, incidentStatus, place } from '../core/labels.js';
import { formatDistance } from '../core/format.js';

export const MAX_SHOWN = 5;

export function duplicatesPanel(onChange) {
  let suggestions = [];
  let linkedId = null;
  const list = h('ul', { class: 'duplicates', testid: 'duplicate-suggestions' });
  const title = h('div', { class: 'section-title', 'data-t': 'call.duplicates' });
  const hint = h('div', { class: 'hint', 'data-t': 'call.duplicates_hint' });
  const el = h('div', { class: 'duplicates-box', hidden: true }, title, hint, list);

  const render = () => {
    el.hidden = suggestions.length === 0;
    title.textContent = t('call.duplicates');
    hint.textContent = t('call.duplicates_hint');
    list.replaceChildren(
      ...suggestions.map((s, i) => {
        const incident = s.incident;
        return h(
          'li',
          {
            class: `duplicate${incident.id === linkedId ? ' linked' : ''}`,
            testid: 'duplicate-suggestion',
            dataset: { incidentId: incident.id },
            'aria-selected': String(incident.id === linkedId),
            onclick: () => toggle(i),
          },
          h('kbd', null, `Alt+${i + 1}`),
          h('span', { class: `prio prio-${incident.priority}` }, t('priority.short', { n: incident.priority })),
          h('span', { class: 'dup-number' }, incident.number),
          h('span', { class: 'dup-main' }, categoryName(incident.category_code), h('small', null, place(incident))),
          h('span', { class: 'dup-meta' }, incidentStatus(incident.status)),
          h('span', { class: 'dup-meta' }, formatDistance(s.distance_m)),
          h('span', { class: 'dup-meta' }, t('fmt.minutes_apart', { n: Math.round(s.minutes_apart) })),
        );
      }),
    );
  };

  const toggle = (index) => {
    const suggestion = suggestions[index];
    if (!suggestion) return false;
    linkedId = linkedId === suggestion.incident.id ? null : suggestion.incident.id;
    render();
    onChange(linkedId === null ? null : suggestion.incident);
    return true;
  };

  return {
    el,
    render,
    toggle,
    set(found) {
      suggestions = found.slice(0, MAX_SHOWN);
      if (linkedId !== null && !suggestions.some((s) => s.incident.id === linkedId)) {
        linkedId = null;
        onChange(null);
      }
      render();
    },
    linked: () => linkedId,
    reset() {
      suggestions = [];
      linkedId = null;
      render();
    },
  };
}
