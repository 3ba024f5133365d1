const BASE = 'http://portcullis.invalid';

/**
 * Returns `path` when it is a same-site path that is safe to redirect a browser to, else undefined.
 * Rejects absolute and scheme-relative URLs (`https://evil.example`, `//evil.example`), backslash
 * tricks (`/\evil.example`) and control or whitespace characters that browsers strip.
 *
 * @example
 * ```ts
 * safeRedirectPath('/dashboard?tab=2'); // '/dashboard?tab=2'
 * safeRedirectPath('//evil.example');   // undefined
 * ```
 */
export function safeRedirectPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length === 0 || path.length > 2048) return undefined;
  if (!path.startsWith('/') || path.startsWith('//')) return undefined;
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\\\s\u0000-\u001f\u007f]/.test(path)) return undefined;
  try {
    const url = new URL(path, BASE);
    if (url.origin !== BASE) return undefined;
  } catch {
    return undefined;
  }
  return path;
}
