// Period reports for supervisors and analysts: the month or year so far, as an HTML page or a file.
import { authHeaders } from '../core/api.js';
import { h } from '../core/dom.js';
import { locale } from '../core/i18n.js';
import { toastError } from '../core/toast.js';

/** Today's local (Asia/Almaty) date as YYYY-MM-DD. */
function localToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty' }).format(new Date());
}

function period(span) {
  const today = localToday();
  return { from: span === 'year' ? `${today.slice(0, 4)}-01-01` : `${today.slice(0, 7)}-01`, to: today };
}

async function openReport(span, format) {
  const params = new URLSearchParams({ ...period(span), format, locale: locale() });
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
      h('a', { href: url, download: `kuzet-report-${params.get('from')}-${params.get('to')}.${format}` }).click();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    toastError(error);
  }
}

/** A row of report buttons: this month and this year, as a page (HTML), XLSX or PDF. */
export function reportButtons() {
  const button = (span, format, key) =>
    h('button', { type: 'button', class: 'btn', testid: `report-${span}-${format}`, 'data-t': key, onclick: () => openReport(span, format) });
  return h('div', { class: 'report-buttons', testid: 'reports' },
    button('month', 'html', 'reports.month'),
    button('month', 'xlsx', 'reports.xlsx'),
    button('month', 'pdf', 'reports.pdf'),
    button('year', 'html', 'reports.year'),
    button('year', 'xlsx', 'reports.xlsx'),
    button('year', 'pdf', 'reports.pdf'));
}
