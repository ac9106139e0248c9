// Log in / register form.
import { login, register } from '../api.js';
import { $ } from '../dom.js';

let mode = 'login';

function setMode(next) {
  mode = next;
  const registering = mode === 'register';
  $('#display-name-field').hidden = !registering;
  $('#auth-intro').textContent = registering ? 'Create an account.' : 'Log in to continue.';
  $('#auth-submit').textContent = registering ? 'Create account' : 'Log in';
  $('#auth-switch-text').textContent = registering ? 'Have an account?' : 'No account yet?';
  $('#auth-switch').textContent = registering ? 'Log in' : 'Create one';
  $('#auth-password').autocomplete = registering ? 'new-password' : 'current-password';
  $('#auth-error').textContent = '';
}

export function initAuthView() {
  $('#auth-switch').addEventListener('click', () => setMode(mode === 'login' ? 'register' : 'login'));
  $('#auth-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    // The contract's username and password rules (fixed, not configurable) are written once, as the
    // inputs' constraints in index.html; the messages here read them from there.
    const nameInput = $('#auth-username');
    const passwordInput = $('#auth-password');
    const username = nameInput.value.trim();
    const password = passwordInput.value;
    const error = $('#auth-error');
    const { minLength, maxLength, pattern } = nameInput;
    if (username.length < minLength || username.length > maxLength || !new RegExp(`^(?:${pattern})$`).test(username)) {
      error.textContent = `A username has ${minLength} to ${maxLength} letters, digits, “_” or “.”.`;
      return nameInput.focus();
    }
    if (password.length < passwordInput.minLength) {
      error.textContent = `The password needs at least ${passwordInput.minLength} characters.`;
      return passwordInput.focus();
    }
    const submit = $('#auth-submit');
    submit.disabled = true;
    error.textContent = '';
    try {
      if (mode === 'register') await register(username, password, $('#auth-display-name').value.trim());
      else await login(username, password);
      // onSessionChange (app.js) takes it from here.
      $('#auth-password').value = '';
    } catch (err) {
      error.textContent =
        err.code === 'INVALID_CREDENTIALS'
          ? 'Wrong username or password.'
          : err.code === 'USERNAME_TAKEN'
            ? 'That username is taken.'
            : err.message;
    } finally {
      submit.disabled = false;
    }
  });
}

export function showAuthView() {
  $('#app-view').hidden = true;
  $('#auth-view').hidden = false;
  setMode('login'); // after a log-out, the usual next step is logging in
  $('#auth-form').reset();
  $('#auth-username').focus();
}
