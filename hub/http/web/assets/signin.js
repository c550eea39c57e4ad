// Sign-in: turns the admin token into the hub's HttpOnly session cookie, then goes back to the
// page that asked (a same-origin path only).
import { api, showError, ApiError } from '/assets/common.js';

function nextPath() {
  const next = new URLSearchParams(location.search).get('next') || '/admin';
  // Only paths of this hub: "/x", never "//host" or "/\host" or a scheme.
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/signin')) return '/admin';
  return next;
}

async function main() {
  const form = document.getElementById('signin-form');
  const input = document.getElementById('token');
  const submit = document.getElementById('signin-submit');
  const errorBox = document.getElementById('signin-error');

  try {
    const state = await api('GET', '/v1/session', undefined, { allow401: true });
    if (state && state.signed_in) {
      location.replace(nextPath());
      return;
    }
  } catch (error) {
    showError(errorBox, error);
  }
  input.focus();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      input.setAttribute('aria-invalid', 'true');
      showError(errorBox, new ApiError(0, 'missing_token', 'Enter the admin token.'));
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      await api('POST', '/v1/session', { token }, { allow401: true });
      input.value = '';
      location.replace(nextPath());
    } catch (error) {
      input.setAttribute('aria-invalid', 'true');
      showError(errorBox, error);
      input.select();
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });
  input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
}

main();
