import { Controller, Get, Header } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Public } from 'portcullis';

/** Pico's classless stylesheet (an npm package), read once at start. */
const PICO_CSS = readFileSync(
  createRequire(import.meta.url).resolve('@picocss/pico/css/pico.classless.min.css'),
  'utf8',
);

/** The few rules Pico's classless sheet does not cover. */
const SITE_CSS = `small.error, p.error { color: var(--pico-del-color); }
p.notice, .verified { color: var(--pico-ins-color); }
.unverified { color: var(--pico-del-color); }
nav form { margin: 0; }
nav button.link, td button { margin: 0; padding: 0.25rem 0.75rem; width: auto; }
nav button.link { border: 0; background: none; color: var(--pico-primary); text-decoration: underline; }
td form { margin: 0; }
code.secret { display: block; padding: 0.75rem; word-break: break-all; }
`;

/**
 * The registration form's script: the registration route is the JSON API `POST /auth/register`, so
 * the page sends the form there and puts each refused field's message next to that field.
 */
const REGISTER_JS = `'use strict';
const form = document.getElementById('register');
const alertBox = document.getElementById('register-alert');
function showError(name, message) {
  const input = form.elements.namedItem(name);
  const small = document.getElementById(name + '-error');
  if (!input || !small) return false;
  small.textContent = message;
  small.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  return true;
}
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  for (const small of form.querySelectorAll('small.error')) { small.textContent = ''; small.hidden = true; }
  for (const input of form.querySelectorAll('input')) input.removeAttribute('aria-invalid');
  alertBox.textContent = '';
  alertBox.hidden = true;
  const body = {};
  for (const [name, value] of new FormData(form)) if (value !== '') body[name] = value;
  const response = await fetch('/auth/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status === 201) {
    location.assign('/login?done=registered');
    return;
  }
  const answer = await response.json().catch(() => ({}));
  let placed = false;
  if (answer.error === 'username_taken') placed = showError('username', 'This username is taken.');
  if (answer.error === 'email_taken') placed = showError('email', 'This address belongs to another account.');
  const byField = {};
  for (const detail of answer.details ?? []) {
    byField[detail.field] = byField[detail.field] ? byField[detail.field] + ' ' + detail.message : detail.message;
  }
  for (const [name, message] of Object.entries(byField)) placed = showError(name, message) || placed;
  if (!placed) {
    alertBox.textContent = answer.message ?? 'Registration failed; try again.';
    alertBox.hidden = false;
  }
  const invalid = form.querySelector('[aria-invalid=true]');
  if (invalid) invalid.focus();
});
`;

/** The stylesheets and the one script of the example's pages. */
@Public()
@Controller('assets')
export class AssetsController {
  @Get('pico.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  pico(): string {
    return PICO_CSS;
  }

  @Get('site.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  site(): string {
    return SITE_CSS;
  }

  @Get('register.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  registerScript(): string {
    return REGISTER_JS;
  }
}
