import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { AuthConfigurationError } from '../errors/auth.exception.js';
import { User } from '../users/user.entity.js';
import type { AuthModuleStructuralOptions } from './auth.options.js';
import { resolveStructuralOptions } from './structural-options.resolver.js';

function configurationError(run: () => unknown): AuthConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigurationError);
    return error as AuthConfigurationError;
  }
  throw new Error('expected an AuthConfigurationError');
}

describe('resolveStructuralOptions', () => {
  it('defaults to the built-in User entity, jwt, api-key then basic, no routes, not global', () => {
    expect(resolveStructuralOptions()).toEqual({
      userEntity: User,
      strategies: ['jwt', 'api-key', 'basic'],
      strategiesExplicit: false,
      routesPrefix: null,
      adminRoutes: false,
      global: false,
      resourceServer: false,
      accountFlows: {
        passwordReset: false,
        emailVerification: false,
        emailChange: false,
        magicLink: false,
      },
    });
    expect(resolveStructuralOptions({})).toEqual(resolveStructuralOptions());
  });

  it('keeps the given strategies in order and the global flag', () => {
    expect(resolveStructuralOptions({ strategies: ['basic', 'jwt'], global: true })).toMatchObject({
      strategies: ['basic', 'jwt'],
      global: true,
    });
  });

  it('mounts the routes under "auth" for routes: true', () => {
    expect(resolveStructuralOptions({ routes: true }).routesPrefix).toBe('auth');
  });

  it('mounts the admin routes only when asked, and only with routes', () => {
    expect(resolveStructuralOptions({ routes: true, adminRoutes: true }).adminRoutes).toBe(true);
    expect(resolveStructuralOptions({ routes: true }).adminRoutes).toBe(false);
    const error = configurationError(() => resolveStructuralOptions({ adminRoutes: true }));
    expect(error.message).toMatch(/adminRoutes needs routes/);
    const notBoolean = configurationError(() =>
      resolveStructuralOptions({
        routes: true,
        adminRoutes: 'yes',
      } as unknown as AuthModuleStructuralOptions),
    );
    expect(notBoolean.message).toMatch(/adminRoutes must be true or false/);
  });

  it('strips the slashes around a routes prefix', () => {
    expect(resolveStructuralOptions({ routes: { prefix: '/account/' } }).routesPrefix).toBe(
      'account',
    );
  });

  it('names an unknown strategy and the known ones', () => {
    const error = configurationError(() =>
      resolveStructuralOptions({
        strategies: ['nope'],
      } as unknown as AuthModuleStructuralOptions),
    );
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain('jwt, api-key, basic, cookie');
  });

  it('rejects an empty strategies array', () => {
    const error = configurationError(() => resolveStructuralOptions({ strategies: [] }));
    expect(error.message).toMatch(/strategies must be a non-empty array/);
  });

  it('rejects a strategy listed twice', () => {
    const error = configurationError(() =>
      resolveStructuralOptions({ strategies: ['jwt', 'jwt'] }),
    );
    expect(error.message).toMatch(/strategies: a strategy is listed twice/);
  });

  it('rejects a userEntity class without @Entity, naming the class', () => {
    class PlainAccount {
      id!: number;
    }
    const error = configurationError(() => resolveStructuralOptions({ userEntity: PlainAccount }));
    expect(error.message).toContain('PlainAccount');
    expect(error.message).toContain('@Entity');
  });

  it('rejects a null userEntity', () => {
    const error = configurationError(() =>
      resolveStructuralOptions({ userEntity: null } as unknown as AuthModuleStructuralOptions),
    );
    expect(error.message).toMatch(/userEntity must be a TypeORM entity class.*got null/);
  });
});
