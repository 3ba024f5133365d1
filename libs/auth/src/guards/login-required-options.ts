/** Options of {@link LoginRequired}. */
export interface LoginRequiredOptions {
  /**
   * Treats the route as an HTML page: an anonymous caller gets a 302 to this login URL with
   * `?next=<the requested path>` instead of a 401. `true` uses the module's `loginUrl`.
   * @default undefined (API answer: 401 with `WWW-Authenticate`)
   */
  redirectTo?: string | true;
}
