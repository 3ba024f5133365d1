/** The parts of an HTTP request (Express or Fastify) that Portcullis reads. */
export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The client address as the HTTP adapter sees it. */
  ip?: string;
  method?: string;
  url?: string;
  originalUrl?: string;
  body?: unknown;
  user?: unknown;
  /** What the strategy that authenticated the request says about it (e.g. the session of a token). */
  authInfo?: unknown;
}
