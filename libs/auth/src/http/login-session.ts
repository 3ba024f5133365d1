import type { IssuedTokens, SessionService } from '../sessions/session.service.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { clientAddress } from '../http-request/client-address.js';
import type { UserService } from '../users/user.service.js';

/** Records a successful login and starts its session, noting the client's user agent and address. */
export async function startLoginSession(
  users: UserService<object>,
  sessions: SessionService,
  user: object,
  request: AuthRequest,
  trustProxy: number,
): Promise<IssuedTokens> {
  await users.recordLogin(user);
  const userAgent = request.headers['user-agent'];
  return sessions.start(users.idOf(user), {
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
    ip: clientAddress(request, trustProxy),
  });
}
