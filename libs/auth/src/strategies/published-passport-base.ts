/**
 * A passport-http-bearer strategy class as the published `.d.ts` show it. Its own types reference
 * Koa's, and @types/koa fails to compile against express 5's content-disposition, so an app checking
 * its libraries (skipLibCheck off) would fail on a type it never uses.
 */
export type PublishedPassportBase = new () => {
  name: string;
  authenticate(request: never, options?: object): void;
};
