/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Who the page is shown to: the nav offers the account and logging out, or logging in. */
export interface PageViewer {
  username: string;
}

function nav(viewer: PageViewer | undefined): string {
  const links = viewer
    ? `<li><a href="/account">Account</a></li>
      <li><a href="/dashboard">Dashboard</a></li>
      <li><form method="post" action="/auth/browser/logout" class="inline"><button type="submit" class="link">Log out</button></form></li>`
    : `<li><a href="/login">Log in</a></li>
      <li><a href="/register">Register</a></li>`;
  return `<nav aria-label="Main">
    <ul><li><a href="/"><strong>Portcullis example</strong></a></li></ul>
    <ul>
      ${links}
    </ul>
  </nav>`;
}

/**
 * The one layout of the example's pages: Pico's classless stylesheet, the nav and a main column.
 * `body` must already be escaped.
 */
export function page(title: string, body: string, viewer?: PageViewer): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)} · Portcullis example</title>
<link rel="stylesheet" href="/assets/pico.css">
<link rel="stylesheet" href="/assets/site.css">
</head>
<body>
<header>
  ${nav(viewer)}
</header>
<main>
${body}
</main>
<footer><small>Portcullis example app</small></footer>
</body>
</html>
`;
}

/** One input with its label and, when there is one, its error next to it. */
export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'hidden';
  autocomplete?: string;
  value?: string;
  error?: string;
  hint?: string;
  required?: boolean;
  /** Prefixes the element ids, for pages with several forms holding a field of the same name. */
  form?: string;
  extra?: string;
}

/**
 * A labelled input (`<label for>`), with its error in a `<small>` the input names in
 * `aria-describedby` and `aria-invalid` set, so screen readers read the error with the field.
 */
export function field(spec: FieldSpec): string {
  const id = `${spec.form ? `${spec.form}-` : ''}${spec.name}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const described: string[] = [];
  let after = '';
  if (spec.error) {
    described.push(`${id}-error`);
    after += `<small id="${id}-error" class="error">${escapeHtml(spec.error)}</small>`;
  } else if (spec.hint) {
    described.push(`${id}-hint`);
    after += `<small id="${id}-hint">${escapeHtml(spec.hint)}</small>`;
  }
  const attributes = [
    `id="${id}"`,
    `name="${escapeHtml(spec.name)}"`,
    `type="${spec.type ?? 'text'}"`,
    spec.autocomplete ? `autocomplete="${escapeHtml(spec.autocomplete)}"` : '',
    spec.value !== undefined ? `value="${escapeHtml(spec.value)}"` : '',
    spec.required === false ? '' : 'required',
    spec.error ? 'aria-invalid="true"' : '',
    described.length > 0 ? `aria-describedby="${described.join(' ')}"` : '',
    spec.extra ?? '',
  ].filter((attribute) => attribute.length > 0);
  return `<label for="${id}">${escapeHtml(spec.label)}</label>
<input ${attributes.join(' ')}>
${after}`;
}

/** A hidden input. */
export function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

/** A page-level error, announced at once. */
export function alert(message: string | undefined): string {
  return message ? `<p role="alert" class="error">${escapeHtml(message)}</p>` : '';
}

/** A page-level notice of something that went well, announced politely. */
export function notice(message: string | undefined): string {
  return message ? `<p role="status" class="notice">${escapeHtml(message)}</p>` : '';
}
