/**
 * A Passport strategy class (from `PassportStrategy(...)`) as the published `.d.ts` show it. The
 * packages' own types reference Express' and Koa's (@types/koa fails to compile against express 5's
 * content-disposition), so an app checking its libraries (skipLibCheck off) would fail on types it
 * never uses.
 */
export type PublishedPassportBase = new (options?: object) => {
  name: string;
  authenticate(request: never, options?: object): void;
};
