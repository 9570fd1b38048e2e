// The supervisor's alarm of silent cameras: every camera the registry has active that sent no heartbeat past the
// limit, since when (its last heartbeat) and whose, the longest silent first. GET /api/v1/cameras/health is read
// when shown, every half minute, and at once on a live camera_health event (a camera went silent or is back).
import { on } from '../core/bus.js';
import { h } from '../core/dom.js';
import { t, tOr } from '../core/i18n.js';
import { formatDateTime, parseTime } from '../core/format.js';
import { polledPanel } from './polled-panel.js';

const REFRESH_MS = 30000;

export function cameraHealthPanel() {
  const summary = h('div', { class: 'camera-health-summary', testid: 'camera-health-summary' });
  const list = h('ul', { class: 'agency-links camera-health', testid: 'camera-health' });
  const el = h('div', { class: 'agency-links-box' }, summary, list);
  const ages = [];

  const row = (camera) => {
    const since = parseTime(camera.since);
    const age = h('span', { class: 'timer timer-over', testid: 'camera-offline-age' });
    if (since !== null) ages.push([age, since]);
    return h('li', { class: 'link-row link-row-down', testid: 'camera-offline', dataset: { camera: camera.camera } },
      h('div', { class: 'link-line' },
        h('b', { class: 'link-name' }, camera.camera),
        h('span', { class: 'link-state link-state-down' }, t('cameras.offline')),
        h('small', { class: 'link-since', testid: 'camera-offline-since' },
          camera.since ? t('links.since', { time: formatDateTime(camera.since) }) : t('links.never_heard')),
        since !== null ? age : null),
      h('div', { class: 'link-line' },
        h('span', null, tOr(`cameras.type_${camera.type}`, camera.type)), ' · ',
        h('span', { testid: 'camera-offline-owner' }, camera.owner)));
  };

  const render = (answer, failed) => {
    if (answer === null) {
      summary.replaceChildren();
      list.replaceChildren(h('li', { class: 'empty' }, t(failed ? 'links.unavailable' : 'links.loading')));
      return;
    }
    const alarms = answer.cameras.filter((c) => c.alarm);
    el.dataset.alarms = String(alarms.length);
    summary.replaceChildren(h('span', { class: alarms.length ? 'badge badge-alarm' : 'muted' },
      t('cameras.health_summary', { offline: alarms.length, total: answer.cameras.length })));
    list.replaceChildren(...(alarms.length ? alarms.map(row) : [h('li', { class: 'empty' }, t('cameras.all_online'))]));
    if (failed) list.append(h('li', { class: 'hint' }, t('links.unavailable')));
  };

  const panel = polledPanel({ path: '/api/v1/cameras/health', every: REFRESH_MS, label: 'camera health', ages, render });
  on('camera-health', panel.reload);
  return { el, show: panel.show, hide: panel.hide, relabel: panel.relabel };
}
