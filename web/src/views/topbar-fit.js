// Keeps the top bar on one line whatever the window's width, language and number of tabs: when its items
// are wider than the bar, it steps through the compact levels of app.css (data-compact 1…4) until they fit:
// first the subtitle goes, then the labels of the tabs not shown are shortened, then left out (each tab
// keeps its key and a tooltip with its name), then the spacing tightens. Checked again when the bar's size
// or its contents change.

const LEVELS = 4;

function overflows(bar) {
  return bar.scrollWidth > bar.clientWidth + 1;
}

export function fitTopbar(bar) {
  let pending = false;
  const fit = () => {
    pending = false;
    bar.dataset.compact = '0';
    for (let level = 1; level <= LEVELS && overflows(bar); level += 1) bar.dataset.compact = String(level);
  };
  const fitSoon = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(fit);
  };
  new ResizeObserver(fitSoon).observe(bar);
  // Tabs and buttons appearing, texts of another language, the active tab changing (its label stays shown).
  new MutationObserver(fitSoon).observe(bar, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden', 'class'],
  });
  fit();
}
