import { type INestApplication, Module } from '@nestjs/common';
import {
  type AuthEvent,
  AuthEvents,
  AuthModule,
  Clock,
  type ThrottleOptions,
  ThrottleStore,
  User,
  UserService,
} from 'portcullis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery staple';
const WRONG = 'wrong horse battery staple';
const FIFTEEN_MINUTES = 15 * 60;

/** A clock the test moves by hand, so windows pass without sleeping. */
class ManualClock extends Clock {
  private current = Date.UTC(2026, 10, 24, 12);
  now(): number {
    return this.current;
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

interface Fixture {
  app: INestApplication;
  clock: ManualClock;
  events: AuthEvent[];
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

async function startApp(
  adapter: (typeof ADAPTERS)[number],
  database: TestDatabase,
  options: { throttle?: ThrottleOptions; trustProxy?: boolean | number } = {},
): Promise<Fixture> {
  const events: AuthEvent[] = [];
  const clock = new ManualClock();
  @Module({
    imports: [
      testTypeOrmModule(database.url),
      AuthModule.forRoot({
        routes: true,
        jwt: { secret: TEST_JWT_SECRET },
        strategies: ['jwt', 'basic', 'cookie'],
        browserSessions: { secure: false },
        onAuthEvent: (event) => {
          events.push(event);
        },
        ...options,
      }),
    ],
  })
  class ThrottleFixtureModule {}
  const app = await createTestApp([ThrottleFixtureModule], adapter, (builder) =>
    builder.overrideProvider(Clock).useValue(clock),
  );
  const users = app.get<UserService<User>>(UserService);
  for (const username of ['alice', 'bob']) {
    if (!(await users.findByHandle(username)))
      await users.createUser({ username, password: PASSWORD });
  }
  return {
    app,
    clock,
    events,
    http: () => request(app.getHttpServer()),
    close: () => app.close(),
  };
}

function login(fixture: Fixture, username: string, password: string, forwardedFor?: string) {
  const call = fixture.http().post('/auth/login').send({ username, password });
  return forwardedFor ? call.set('X-Forwarded-For', forwardedFor) : call;
}

describe.each(ADAPTERS)('login throttling on %s', (adapter) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  describe('with the default limits', () => {
    let fixture: Fixture;

    beforeEach(async () => {
      fixture = await startApp(adapter, database);
    });

    afterEach(async () => {
      await fixture?.close();
    });

    it('answers the 6th failed login for a handle with 429 and Retry-After, the right password too', async () => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const response = await login(fixture, 'alice', WRONG);
        expect(response.status).toBe(401);
        expect(response.body.error).toBe('invalid_credentials');
      }
      const throttled = await login(fixture, 'alice', PASSWORD);
      expect(throttled.status).toBe(429);
      expect(throttled.body).toEqual({
        statusCode: 429,
        error: 'too_many_attempts',
        message: `Too many attempts. Try again in ${FIFTEEN_MINUTES} seconds.`,
      });
      expect(throttled.headers['retry-after']).toBe(String(FIFTEEN_MINUTES));
      expect(throttled.body).not.toHaveProperty('access_token');
      // Another handle from the same address is not affected by alice's budget.
      expect((await login(fixture, 'bob', PASSWORD)).status).toBe(200);
    });

    it('throttles a handle that does not exist exactly like one that does', async () => {
      const known: request.Response[] = [];
      const unknown: request.Response[] = [];
      for (let attempt = 1; attempt <= 7; attempt++) {
        known.push(await login(fixture, 'alice', WRONG));
        unknown.push(await login(fixture, 'nobody-here', WRONG));
      }
      expect(known.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expect(unknown.map((r) => r.status)).toEqual(known.map((r) => r.status));
      for (let index = 0; index < known.length; index++) {
        expect(unknown[index].body).toEqual(known[index].body);
        expect(unknown[index].headers['retry-after']).toBe(known[index].headers['retry-after']);
        expect(unknown[index].headers['www-authenticate']).toBe(
          known[index].headers['www-authenticate'],
        );
      }
    });

    it('is not reset by a forged X-Forwarded-For when trustProxy is off', async () => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        await login(fixture, 'alice', WRONG, `198.51.100.${attempt}`);
      }
      const forged = await login(fixture, 'alice', PASSWORD, '203.0.113.77');
      expect(forged.status).toBe(429);
    });

    it('lets the handle in again once the window has passed', async () => {
      for (let attempt = 1; attempt <= 6; attempt++) await login(fixture, 'alice', WRONG);
      fixture.clock.advance(FIFTEEN_MINUTES - 60);
      const stillThrottled = await login(fixture, 'alice', PASSWORD);
      expect(stillThrottled.status).toBe(429);
      expect(stillThrottled.headers['retry-after']).toBe('60');
      fixture.clock.advance(61);
      expect((await login(fixture, 'alice', PASSWORD)).status).toBe(200);
    });

    it('starts the handle over after a successful login', async () => {
      for (let attempt = 1; attempt <= 4; attempt++) await login(fixture, 'alice', WRONG);
      expect((await login(fixture, 'alice', PASSWORD)).status).toBe(200);
      const after: number[] = [];
      for (let attempt = 1; attempt <= 6; attempt++) {
        after.push((await login(fixture, 'alice', WRONG)).status);
      }
      expect(after).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it('lets only the budget through when guesses arrive in parallel', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => login(fixture, 'alice', WRONG)),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(15);
      expect(statuses.filter((status) => status >= 500)).toHaveLength(0);
    });

    it('throttles HTTP Basic on protected routes the same way', async () => {
      const basic = (password: string) =>
        fixture
          .http()
          .get('/auth/me')
          .set('Authorization', `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`);
      for (let attempt = 1; attempt <= 5; attempt++) expect((await basic(WRONG)).status).toBe(401);
      const throttled = await basic(PASSWORD);
      expect(throttled.status).toBe(429);
      expect(throttled.body.error).toBe('too_many_attempts');
      expect(throttled.headers['retry-after']).toBe(String(FIFTEEN_MINUTES));
    });

    it('sends a throttled login form back to the login page with the reason', async () => {
      for (let attempt = 1; attempt <= 5; attempt++) await login(fixture, 'alice', WRONG);
      const form = await fixture
        .http()
        .post('/auth/browser/login')
        .set('Host', 'portcullis.test')
        .set('Origin', 'http://portcullis.test')
        .type('form')
        .send({ username: 'alice', password: PASSWORD, next: '/dashboard' });
      expect(form.status).toBe(303);
      expect(form.headers.location).toBe('/login?error=too_many_attempts&next=%2Fdashboard');
      expect(form.headers['set-cookie']).toBeUndefined();
    });

    /** A user of this test alone (the throttled ones change their password), logged in. */
    async function changer(name: string) {
      const username = `${name}-${adapter}-${Date.now().toString(36)}`;
      await fixture.app
        .get<UserService<User>>(UserService)
        .createUser({ username, password: PASSWORD });
      const tokens = await login(fixture, username, PASSWORD);
      expect(tokens.status).toBe(200);
      const changePassword = (current: string, next = 'a different horse battery staple') =>
        fixture
          .http()
          .post('/auth/change-password')
          .set('Authorization', `Bearer ${tokens.body.access_token}`)
          .send({ current_password: current, new_password: next });
      const hash = async () =>
        (await fixture.app.get(DataSource).getRepository(User).findOneByOrFail({ username }))
          .passwordHash;
      return { username, changePassword, hash };
    }

    it('throttles the current-password check of change-password with the login budget of the handle', async () => {
      const user = await changer('carol');
      const before = await user.hash();
      for (let attempt = 1; attempt <= 5; attempt++) {
        const wrong = await user.changePassword(WRONG);
        expect(wrong.status).toBe(401);
        expect(wrong.body.error).toBe('invalid_credentials');
      }
      const throttled = await user.changePassword(PASSWORD);
      expect(throttled.status).toBe(429);
      expect(throttled.body).toEqual({
        statusCode: 429,
        error: 'too_many_attempts',
        message: `Too many attempts. Try again in ${FIFTEEN_MINUTES} seconds.`,
      });
      expect(throttled.headers['retry-after']).toBe(String(FIFTEEN_MINUTES));
      for (let attempt = 1; attempt <= 20; attempt++) {
        expect((await user.changePassword(WRONG)).status).toBe(429);
      }
      expect(await user.hash()).toBe(before);
      // One budget: the login form is closed to this handle too, the right password included.
      const loginNow = await login(fixture, user.username, PASSWORD);
      expect(loginNow.status).toBe(429);
      expect(loginNow.headers['retry-after']).toBe(String(FIFTEEN_MINUTES));
      expect(fixture.events.at(-1)).toMatchObject({
        type: 'login.throttled',
        scope: 'handle',
        handle: user.username,
      });

      fixture.clock.advance(FIFTEEN_MINUTES + 1);
      expect((await user.changePassword(PASSWORD)).status).toBe(204);
      expect(await user.hash()).not.toBe(before);
      expect((await login(fixture, user.username, 'a different horse battery staple')).status).toBe(
        200,
      );
      expect(JSON.stringify(fixture.events)).not.toContain('horse');
    });

    it('failed logins spend the budget of change-password too', async () => {
      const user = await changer('dora');
      for (let attempt = 1; attempt <= 5; attempt++) {
        expect((await login(fixture, user.username, WRONG)).status).toBe(401);
      }
      const throttled = await user.changePassword(PASSWORD);
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe(String(FIFTEEN_MINUTES));
    });

    it('a right current password starts the handle over, like a successful login', async () => {
      const user = await changer('erin');
      for (let attempt = 1; attempt <= 4; attempt++) {
        expect((await user.changePassword(WRONG)).status).toBe(401);
      }
      expect((await user.changePassword(PASSWORD, 'a second horse battery staple')).status).toBe(
        204,
      );
      const after: number[] = [];
      for (let attempt = 1; attempt <= 6; attempt++) {
        after.push((await user.changePassword(WRONG)).status);
      }
      expect(after).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it('reports failures, successes and throttling to onAuthEvent, never with the password', async () => {
      await login(fixture, 'Alice', WRONG);
      await login(fixture, 'alice', PASSWORD);
      for (let attempt = 1; attempt <= 6; attempt++) await login(fixture, 'nobody', WRONG);
      const types = fixture.events.map((event) => event.type);
      expect(types).toEqual([
        'login.failed',
        'login.succeeded',
        ...Array(5).fill('login.failed'),
        'login.throttled',
      ]);
      const [failed, succeeded] = fixture.events;
      expect(failed).toMatchObject({
        type: 'login.failed',
        handle: 'alice',
        reason: 'invalid_credentials',
        method: 'password',
        address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
      });
      expect(failed.at).toBeInstanceOf(Date);
      expect(succeeded).toMatchObject({ type: 'login.succeeded', handle: 'alice' });
      expect(fixture.events.at(-1)).toMatchObject({
        type: 'login.throttled',
        handle: 'nobody',
        scope: 'handle',
        retryAfter: FIFTEEN_MINUTES,
      });
      expect(JSON.stringify(fixture.events)).not.toContain('horse');
    });
  });

  it('reports registrations and password changes to onAuthEvent', async () => {
    const fixture = await startApp(adapter, database);
    try {
      const handle = `events-${adapter}`;
      const registered = await fixture
        .http()
        .post('/auth/register')
        .send({ username: handle, password: PASSWORD });
      expect(registered.status).toBe(201);
      const tokens = await login(fixture, handle, PASSWORD);
      const changed = await fixture
        .http()
        .post('/auth/change-password')
        .set('Authorization', `Bearer ${tokens.body.access_token}`)
        .send({ current_password: PASSWORD, new_password: 'a different horse battery staple' });
      expect(changed.status).toBe(204);
      const userId = String(registered.body.id);
      expect(fixture.events.map((event) => event.type)).toEqual([
        'user.registered',
        'login.succeeded',
        'password.changed',
      ]);
      expect(fixture.events[0]).toMatchObject({ type: 'user.registered', userId, handle });
      expect(fixture.events[2]).toMatchObject({ type: 'password.changed', userId, via: 'self' });
      // A listener that throws changes no answer.
      fixture.app.get(AuthEvents).subscribe(() => {
        throw new Error('listener failure');
      });
      expect((await login(fixture, handle, 'a different horse battery staple')).status).toBe(200);
    } finally {
      await fixture.close();
    }
  });

  describe('per client address', () => {
    const throttle: ThrottleOptions = {
      loginPerHandle: false,
      loginPerAddress: { limit: 3, window: 60 },
      registrationPerAddress: { limit: 2, window: 3600 },
    };

    it('counts every handle from one address together, and a forged header changes nothing', async () => {
      const fixture = await startApp(adapter, database, { throttle });
      try {
        for (const username of ['one', 'two', 'three']) {
          expect((await login(fixture, username, WRONG)).status).toBe(401);
        }
        const forged = await login(fixture, 'alice', PASSWORD, '203.0.113.9');
        expect(forged.status).toBe(429);
        expect(forged.headers['retry-after']).toBe('60');
        expect(fixture.events.at(-1)).toMatchObject({ type: 'login.throttled', scope: 'address' });
      } finally {
        await fixture.close();
      }
    });

    it('counts wrong current passwords of change-password against the address', async () => {
      const fixture = await startApp(adapter, database, { throttle });
      try {
        const tokens = await login(fixture, 'bob', PASSWORD);
        expect(tokens.status).toBe(200);
        const change = (current: string) =>
          fixture
            .http()
            .post('/auth/change-password')
            .set('Authorization', `Bearer ${tokens.body.access_token}`)
            .send({ current_password: current, new_password: 'a different horse battery staple' });
        for (let attempt = 0; attempt < 3; attempt++)
          expect((await change(WRONG)).status).toBe(401);
        const throttled = await change(PASSWORD);
        expect(throttled.status).toBe(429);
        expect(throttled.headers['retry-after']).toBe('60');
        expect((await login(fixture, 'alice', PASSWORD)).status).toBe(429);
      } finally {
        await fixture.close();
      }
    });

    it('does not count successful logins against the address', async () => {
      const fixture = await startApp(adapter, database, { throttle });
      try {
        for (let round = 0; round < 5; round++) {
          expect((await login(fixture, 'alice', PASSWORD)).status).toBe(200);
        }
        expect((await login(fixture, 'x', WRONG)).status).toBe(401);
        expect((await login(fixture, 'alice', PASSWORD)).status).toBe(200);
      } finally {
        await fixture.close();
      }
    });

    it('with trustProxy, counts the address the proxy saw, not one the client prepended', async () => {
      const fixture = await startApp(adapter, database, { throttle, trustProxy: 1 });
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          // The client claims a fresh address each time; the proxy appended the real one.
          await login(fixture, 'x', WRONG, `10.0.0.${attempt}, 203.0.113.5`);
        }
        expect((await login(fixture, 'alice', PASSWORD, '10.9.9.9, 203.0.113.5')).status).toBe(429);
        expect((await login(fixture, 'alice', PASSWORD, '203.0.113.6')).status).toBe(200);
      } finally {
        await fixture.close();
      }
    });

    it('throttles registration per address', async () => {
      const fixture = await startApp(adapter, database, { throttle });
      try {
        const register = (username: string) =>
          fixture.http().post('/auth/register').send({ username, password: PASSWORD });
        expect((await register(`reg-${adapter}-1`)).status).toBe(201);
        expect((await register(`reg-${adapter}-2`)).status).toBe(201);
        const third = await register(`reg-${adapter}-3`);
        expect(third.status).toBe(429);
        expect(third.body.error).toBe('too_many_attempts');
        expect(third.headers['retry-after']).toBe('3600');
        const users = fixture.app.get<UserService<User>>(UserService);
        expect(await users.findByHandle(`reg-${adapter}-3`)).toBeNull();
        expect(fixture.events.at(-1)).toMatchObject({
          type: 'registration.throttled',
          scope: 'address',
        });
        fixture.clock.advance(3601);
        expect((await register(`reg-${adapter}-3`)).status).toBe(201);
      } finally {
        await fixture.close();
      }
    });
  });

  it('answers 503, not 200 or 401, when the throttle store fails', async () => {
    class BrokenStore extends ThrottleStore {
      hit(): never {
        throw new Error('connection refused');
      }
      async decrement() {}
      async reset() {}
      async peek() {
        return null;
      }
    }
    const fixture = await startApp(adapter, database, { throttle: { store: new BrokenStore() } });
    try {
      const response = await login(fixture, 'alice', PASSWORD);
      expect(response.status).toBe(503);
      expect(response.body.error).toBe('service_unavailable');
      expect(JSON.stringify(response.body)).not.toContain('connection refused');
    } finally {
      await fixture.close();
    }
  });
});
