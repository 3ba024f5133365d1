import 'reflect-metadata';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it, vi } from 'vitest';
import { USER_PASSES_TEST_KEY } from '../auth.constants.js';
import { UserPassesTest } from '../decorators/user-passes-test.decorator.js';
import type { LoginRequiredGuard } from './login-required.guard.js';
import { StaffGuard } from './staff.guard.js';
import { SuperuserGuard } from './superuser.guard.js';
import { UserPassesTestGuard } from './user-passes-test.guard.js';

const test = vi.fn(() => true);

class Routes {
  @UserPassesTest(test)
  open() {}
}

/** A context of another transport, on a route whose test would pass anyone. */
function contextOf(type: string): ExecutionContext {
  return {
    getType: () => type,
    getClass: () => Routes,
    getHandler: () => Routes.prototype.open,
    getArgByIndex: () => ({ headers: {}, user: { isStaff: true, isSuperuser: true } }),
  } as unknown as ExecutionContext;
}

describe('UserPassesTestGuard', () => {
  it.each(['rpc', 'ws', 'graphql'])(
    'refuses a %s context without authenticating or running the test',
    async (type) => {
      const login = { authenticate: vi.fn(() => true) } as unknown as LoginRequiredGuard;
      for (const Guard of [UserPassesTestGuard, StaffGuard, SuperuserGuard]) {
        expect(await new Guard(new Reflector(), login).canActivate(contextOf(type))).toBe(false);
      }
      expect(login.authenticate).not.toHaveBeenCalled();
      expect(test).not.toHaveBeenCalled();
    },
  );
});

describe('@UserPassesTest()', () => {
  const first = () => true;
  const second = () => true;

  it('adds each test on a target, and applies the guard once', () => {
    class Stacked {
      @UserPassesTest(first)
      @UserPassesTest(second)
      handler() {}
    }
    const handler = Stacked.prototype.handler;
    const tests = Reflect.getMetadata(USER_PASSES_TEST_KEY, handler) as { test: unknown }[];
    expect(tests.map((requirement) => requirement.test)).toEqual([second, first]);
    expect(Reflect.getMetadata(GUARDS_METADATA, handler)).toEqual([UserPassesTestGuard]);
  });

  it('a subclass keeps the tests of the class it extends', () => {
    @UserPassesTest(first)
    class Base {}
    @UserPassesTest(second)
    class Derived extends Base {}
    const tests = Reflect.getMetadata(USER_PASSES_TEST_KEY, Derived) as { test: unknown }[];
    expect(tests.map((requirement) => requirement.test)).toEqual([first, second]);
  });

  it('throws when the class is defined if the test is not a function', () => {
    expect(() => UserPassesTest(undefined as never)).toThrow(/needs a test function/);
  });
});
