import { describe, expectTypeOf, it } from 'vitest';
import type { AuthInfo } from './auth-info.js';

describe('AuthInfo', () => {
  it('is told apart by strategy', () => {
    const describeInfo = (info: AuthInfo) => {
      if (info.strategy === 'api-key') {
        expectTypeOf(info.scopes).toEqualTypeOf<string[]>();
        return info.keyId;
      }
      if (info.strategy === 'jwt') {
        expectTypeOf(info.sessionId).toEqualTypeOf<string | undefined>();
        return info.sessionId ?? info.issuer;
      }
      if (info.strategy === 'cookie') return info.sessionId;
      // An app's strategies, added through PortcullisAuthInfoRegistry, may come besides these.
      expectTypeOf<'basic' | 'password'>().toExtend<typeof info.strategy>();
      return info.strategy;
    };
    expectTypeOf(describeInfo).returns.toEqualTypeOf<string | undefined>();
  });
});
