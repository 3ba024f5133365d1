import { AuthException } from 'portcullis';

/** The parts of an Express response and a Fastify reply the form handlers use (both have them). */
export interface PageReply {
  status(code: number): PageReply;
  header(name: string, value: string): PageReply;
  send(body: string): unknown;
}

/** Answers with an HTML page, never cached: the pages show account data and one-time secrets. */
export function sendPage(reply: PageReply, status: number, html: string): void {
  reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(html);
}

/** 303 to `path` (always a path of this app), so a reload does not post the form again. */
export function seeOther(reply: PageReply, path: string): void {
  reply.status(303).header('Location', path).header('Cache-Control', 'no-store').send('');
}

/** A refused form: the message of each field at fault, and one for the page when none fits. */
export interface FormErrors {
  fields: Record<string, string>;
  page?: string;
  status: number;
}

/**
 * What a form shows for a refusal the library answered with an `AuthException` below 500: its
 * details by field (`validation_failed`, `invalid_password`), the field `fieldOf` names for a
 * code, or else a page-level message. Anything else (an outage, a bug) is rethrown, so it answers
 * as on every route.
 */
export function formErrors(
  error: unknown,
  messages: Record<string, { field?: string; message: string }>,
): FormErrors {
  if (!(error instanceof AuthException) || error.getStatus() >= 500) throw error;
  const status = error.getStatus();
  const known = messages[error.code];
  if (known) {
    return known.field
      ? { fields: { [known.field]: known.message }, status }
      : { fields: {}, page: known.message, status };
  }
  const body = error.getResponse() as { details?: Array<{ field: string; message: string }> };
  const fields: Record<string, string> = {};
  for (const detail of body.details ?? []) {
    fields[detail.field] = fields[detail.field]
      ? `${fields[detail.field]} ${detail.message}`
      : detail.message;
  }
  return Object.keys(fields).length > 0
    ? { fields, status }
    : { fields, page: error.message, status };
}

/** A string field of a form body, or '' when it is missing or not a string. */
export function formField(body: unknown, name: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}
