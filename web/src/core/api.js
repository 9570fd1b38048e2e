// JSON over fetch with the session token; errors become ApiError carrying the RFC 9457 problem.
import { locale, t } from './i18n.js';
import { noteServerDate } from './format.js';

const TOKEN_KEY = 'kuzet.token';
let unauthorizedHandler = () => {};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    this.slug = String(this.problem.type ?? '').split(':').pop();
  }

  /** Field errors of a 422 as {field, message}. */
  get fieldErrors() {
    return (this.problem.errors ?? []).map((e) => ({
      field: e.field ?? e.pointer ?? '',
      message: e.message ?? e.reason ?? e.code ?? '',
    }));
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Called when a request with a token is refused with 401: the session has ended. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function authHeaders() {
  const headers = { Accept: 'application/json', 'Accept-Language': locale() };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  return headers;
}

export async function api(method, path, body, { signal, quiet401 = false } = {}) {
  const headers = authHeaders();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, { detail: t('error.network') });
  }
  noteServerDate(response.headers.get('Date'));
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && headers.Authorization && !quiet401) unauthorizedHandler(error);
    throw error;
  }
  return data;
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body, options) => api('POST', path, body ?? {}, options);
