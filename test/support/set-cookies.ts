import type request from 'supertest';

/** `name=value` pairs of a response's Set-Cookie headers; an empty value is a cleared cookie. */
export function cookiesFrom(response: request.Response): Record<string, string> {
  const raw = response.headers['set-cookie'] as unknown as string[] | undefined;
  const jar: Record<string, string> = {};
  for (const line of raw ?? []) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return jar;
}
