// Log in: user name and password; the six-digit code when the role needs a second factor; enrolment when owed.
import { ApiError, post, setToken } from '../core/api.js';
import { h } from '../core/dom.js';
import { applyTexts, t } from '../core/i18n.js';
import { toastError } from '../core/toast.js';
import { langSwitch } from './langs.js';

/** Show the login screen in `root`; resolves with the LoginOut once the session may work. */
export function showLogin(root) {
  return new Promise((resolve) => {
    const username = h('input', { id: 'login-username', testid: 'login-username', autocomplete: 'username', required: true });
    const password = h('input', {
      id: 'login-password', testid: 'login-password', type: 'password', autocomplete: 'current-password', required: true,
    });
    const totp = h('input', {
      id: 'login-totp', testid: 'login-totp', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6,
      pattern: '[0-9]{6}',
    });
    const totpRow = h('label', { class: 'field', hidden: true }, h('span', { 'data-t': 'login.totp' }), totp);
    const hint = h('p', { class: 'login-hint', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary', testid: 'login-submit', 'data-t': 'login.submit' });

    const form = h(
      'form',
      { class: 'login-form', testid: 'login-form', novalidate: true },
      h('h1', { class: 'login-title' }, 'Kuzet'),
      h('p', { class: 'login-sub', 'data-t': 'app.subtitle' }),
      h('label', { class: 'field' }, h('span', { 'data-t': 'login.username' }), username),
      h('label', { class: 'field' }, h('span', { 'data-t': 'login.password' }), password),
      totpRow,
      hint,
      submit,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        const body = { username: username.value.trim(), password: password.value };
        if (!totpRow.hidden && totp.value.trim()) body.totp_code = totp.value.trim();
        const session = await post('/api/v1/auth/login', body);
        setToken(session.token);
        if (session.second_factor_pending) await enrol(root, session);
        resolve(session);
      } catch (error) {
        if (error instanceof ApiError && error.slug === 'second-factor-required') {
          const first = totpRow.hidden;
          totpRow.hidden = false;
          hint.hidden = false;
          hint.textContent = error.problem.detail || t('login.totp_hint');
          totp.value = '';
          totp.focus();
          if (!first) toastError(error);
        } else {
          toastError(error);
          (totpRow.hidden ? password : totp).select();
        }
      } finally {
        submit.disabled = false;
      }
    });

    root.replaceChildren(h('div', { class: 'login-screen' }, h('div', { class: 'login-langs' }, langSwitch()), form));
    applyTexts(root);
    username.focus();
  });
}

/** The role needs a second factor that is not enrolled yet: show the secret, confirm with a code. */
function enrol(root, session) {
  return new Promise((resolve) => {
    const code = h('input', { testid: 'enrol-code', inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code' });
    const secret = h('code', { class: 'enrol-secret', testid: 'enrol-secret' });
    const uri = h('code', { class: 'enrol-uri' });
    const submit = h('button', { type: 'submit', class: 'primary', testid: 'enrol-submit', 'data-t': 'enrol.confirm' });
    const form = h(
      'form',
      { class: 'login-form', testid: 'enrol-form' },
      h('h1', { class: 'login-title' }, 'Kuzet'),
      h('p', { class: 'login-hint', 'data-t': 'enrol.intro' }),
      h('p', null, h('span', { 'data-t': 'enrol.secret' }), ' ', secret),
      h('p', { class: 'enrol-uri-row' }, uri),
      h('label', { class: 'field' }, h('span', { 'data-t': 'login.totp' }), code),
      submit,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await post('/api/v1/auth/totp/confirm', { code: code.value.trim() });
        resolve(session);
      } catch (error) {
        toastError(error);
        code.select();
      }
    });
    root.replaceChildren(h('div', { class: 'login-screen' }, form));
    applyTexts(root);
    post('/api/v1/auth/totp/enrol')
      .then((answer) => {
        secret.textContent = answer.secret;
        uri.textContent = answer.otpauth_uri;
        code.focus();
      })
      .catch(toastError);
  });
}
