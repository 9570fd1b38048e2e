// Period reports for supervisors and analysts: a period (the month or year so far, or any dates) and
// optionally one district, as an HTML page or a file.
import { authHeaders } from '../core/api.js';
import { h } from '../core/dom.js';
import { locale } from '../core/i18n.js';
import { toastError } from '../core/toast.js';

/** Today's local (Asia/Almaty) date as YYYY-MM-DD. */
export function localToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty' }).format(new Date());
}

function period(span) {
  const today = localToday();
  return { from: span === 'year' ? `${today.slice(0, 4)}-01-01` : `${today.slice(0, 7)}-01`, to: today };
}

/** Fetch the report of [from, to] (one district when given; live, imported or all incidents) and open it
 * (HTML) or save it (XLSX, PDF). */
export async function downloadReport({ from, to, format, district = null, origin = 'live' }) {
  const params = new URLSearchParams({ from, to, format, locale: locale() });
  if (district) params.set('district', district);
  if (origin !== 'live') params.set('origin', origin);
  try {
    const response = await fetch(`/api/v1/analytics/report?${params}`, { headers: authHeaders() });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw Object.assign(new Error(problem.detail ?? response.statusText), { problem, status: response.status });
    }
    const url = URL.createObjectURL(await response.blob());
    if (format === 'html') {
      window.open(url, '_blank', 'noopener');
    } else {
      const name = ['kuzet-report', district, origin === 'live' ? null : origin, from, to].filter(Boolean).join('-');
      h('a', { href: url, download: `${name}.${format}` }).click();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    toastError(error);
  }
}

/** A row of report buttons: this month and this year, as a page (HTML), XLSX or PDF. */
export function reportButtons() {
  const button = (span, format, key) =>
    h('button', { type: 'button', class: 'btn', testid: `report-${span}-${format}`, 'data-t': key, onclick: () => downloadReport({ ...period(span), format }) });
  return h('div', { class: 'report-buttons', testid: 'reports' },
    button('month', 'html', 'reports.month'),
    button('month', 'xlsx', 'reports.xlsx'),
    button('month', 'pdf', 'reports.pdf'),
    button('year', 'html', 'reports.year'),
    button('year', 'xlsx', 'reports.xlsx'),
    button('year', 'pdf', 'reports.pdf'));
}
