// A supervisor panel kept fresh by asking one API path while it is on screen: at once when shown, then every
// `every` ms. The last good answer stays on screen when a request fails (the panel's `render` is told so), and
// the age cells its rows put in `ages` ([cell, since ms]) tick with the clock.
import { get } from '../core/api.js';
import { on } from '../core/bus.js';
import { setText } from '../core/dom.js';
import { formatDuration, now } from '../core/format.js';

export function polledPanel({ path, every, label, ages, render }) {
  let answer = null;
  let failed = false;
  let timer = null;
  let visible = false;

  const tickAges = () => {
    for (const [cell, since] of ages) setText(cell, formatDuration((now() - since) / 1000));
  };

  const draw = () => {
    ages.length = 0;
    render(answer, failed);
    tickAges();
  };

  const load = async () => {
    try {
      answer = await get(path);
      failed = false;
    } catch (error) {
      failed = true;
      console.debug(label, error?.message);
    }
    if (visible) draw();
  };

  on('tick', () => visible && tickAges());

  return {
    reload: () => visible && load(),
    show() {
      visible = true;
      draw();
      load();
      clearInterval(timer);
      timer = setInterval(load, every);
    },
    hide() {
      visible = false;
      clearInterval(timer);
    },
    relabel() {
      if (visible) draw();
    },
  };
}
