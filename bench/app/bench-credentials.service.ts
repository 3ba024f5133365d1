import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import {
  ApiKeyService,
  PermissionService,
  SessionService,
  TokenService,
  User,
  UserService,
} from 'portcullis';
import {
  BENCH_JWT_CLAIMS,
  BENCH_PERMISSION,
  BENCH_TOKEN_TTL_SECONDS,
  BENCH_USER,
} from '../bench.constants.js';
import type { CredentialName } from '../bench-rows.js';
import { signAsymmetricAccessToken, type AsymmetricBenchAlgorithm } from './bench-jwt-keys.js';
import type { DocsJwtPayload } from './docs-recipes/docs-jwt.strategy.js';

/** Request headers that carry one credential. */
export type CredentialHeaders = Record<string, string>;

/**
 * Creates the bench account and mints every credential the rows send, through the same public API
 * an application would use, so a change in the token format reaches the bench without edits here.
 */
@Injectable()
export class BenchCredentialsService implements OnApplicationBootstrap {
  private benchUser?: User;
  private readonly memorySessions: { subject: string; sessionId: string }[] = [];

  constructor(
    private readonly users: UserService<User>,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly jwt: JwtService,
    private readonly apiKeys: ApiKeyService<User>,
    private readonly permissions: PermissionService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.benchUser =
      (await this.users.findByHandle(BENCH_USER.username)) ??
      (await this.users.createUser({
        username: BENCH_USER.username,
        password: BENCH_USER.password,
      }));
    // Held directly, not as a superuser: a superuser skips the permission lookup being measured.
    await this.permissions.grantToUser(this.users.idOf(this.benchUser), BENCH_PERMISSION);
  }

  /** One set of headers per credential name; a total map, so a new name cannot be forgotten. */
  async headers(): Promise<Record<CredentialName, CredentialHeaders>> {
    const user = this.user();
    const subject = this.users.idOf(user);
    const basic = Buffer.from(`${BENCH_USER.username}:${BENCH_USER.password}`).toString('base64');
    const docsPayload: DocsJwtPayload = { sub: subject, username: user.username };
    const session = await this.sessions.start(subject);
    const asymmetric = (algorithm: AsymmetricBenchAlgorithm) => ({
      authorization: `Bearer ${signAsymmetricAccessToken(algorithm, {
        sub: subject,
        sid: session.sessionId,
        iss: BENCH_JWT_CLAIMS.issuer,
        aud: BENCH_JWT_CLAIMS.audience,
        ttlSeconds: BENCH_TOKEN_TTL_SECONDS,
      })}`,
    });
    const { key } = await this.apiKeys.createKey(subject, { label: 'bench' });
    return {
      portcullisJwt: { authorization: `Bearer ${session.access_token}` },
      portcullisJwtRs256: asymmetric('RS256'),
      portcullisJwtEs256: asymmetric('ES256'),
      portcullisJwtEdDsa: asymmetric('EdDSA'),
      portcullisApiKey: { authorization: `Bearer ${key}` },
      portcullisBasic: { authorization: `Basic ${basic}` },
      docsJwt: { authorization: `Bearer ${await this.jwt.signAsync(docsPayload)}` },
    };
  }

  /**
   * `count` distinct valid access tokens, spread over `userCount` passwordless accounts with one
   * session each (made on the first call, reused by later batches), so that anything the library
   * keeps per user or per session is exercised as well as anything it keeps per token. Within a
   * session, tokens are issued the way a refresh issues them: same session, new `jti`.
   */
  async distinctAccessTokens(count: number, userCount: number): Promise<string[]> {
    while (this.memorySessions.length < userCount) {
      const username = `memory-user-${this.memorySessions.length}`;
      const user = await this.users.createUser({ username, password: null });
      const issued = await this.sessions.start(this.users.idOf(user));
      this.memorySessions.push({ subject: issued.userId, sessionId: issued.sessionId });
    }
    return Array.from({ length: count }, (_, index) => {
      const { subject, sessionId } = this.memorySessions[index % userCount];
      return this.tokens.issueAccessToken(subject, sessionId).access_token;
    });
  }

  /** The bench account's stored argon2id hash, for the raw verify baseline of the login storm. */
  async storedPasswordHash(): Promise<string> {
    const user = await this.users.findByHandle(BENCH_USER.username, { withPasswordHash: true });
    if (!user?.passwordHash) throw new Error('bench user has no password hash');
    return user.passwordHash;
  }

  private user(): User {
    if (!this.benchUser) throw new Error('bench user not created yet');
    return this.benchUser;
  }
}
