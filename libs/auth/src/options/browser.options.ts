/** The cookie transport for browsers (the `cookie` strategy). */
export interface BrowserSessionOptions {
  /**
   * Marks cookies `Secure` and names them with the `__Host-` prefix. Turn off only for plain-HTTP
   * development on localhost.
   * @default true
   */
  secure?: boolean;
  /**
   * Origins (`https://app.example`) allowed to make cookie-authenticated POST/PUT/PATCH/DELETE requests
   * besides the server's own host.
   * @default []
   */
  trustedOrigins?: string[];
}
