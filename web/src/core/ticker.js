// One clock for every live timer on screen: a 'tick' on the bus each second, aligned to the second.
import { emit } from './bus.js';

let timer = null;

export function startTicker() {
  if (timer !== null) return;
  const beat = () => {
    emit('tick', Date.now());
    timer = setTimeout(beat, 1000 - (Date.now() % 1000) + 5);
  };
  beat();
}
