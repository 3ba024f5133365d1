import { describe, expect, it } from 'vitest';
import { andThen, firstAnswer, settle } from './maybe-async.js';

describe('settle', () => {
  const add = (context: number, argument: number) => context + argument;
  const double = (value: number, _context: number): number | string => value * 2;
  const failed = (error: unknown, context: number): number | string =>
    `failed ${context}: ${(error as Error).message}`;

  it('answers without a promise when the step did', () => {
    expect(settle(add, 1, 2, double, failed)).toBe(6);
  });

  it('answers a promise when the step did', async () => {
    const answer = settle(async (c: number, a: number) => c + a, 1, 2, double, failed);
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(6);
  });

  it('hands a synchronous throw and a rejection alike to onError, with the context', async () => {
    const sync = (): number => {
      throw new Error('sync');
    };
    expect(settle(sync, 7, 0, double, failed)).toBe('failed 7: sync');
    const rejected = settle(() => Promise.reject(new Error('async')), 7, 0, double, failed);
    expect(await rejected).toBe('failed 7: async');
  });
});

describe('andThen', () => {
  it('calls next at once for a value and after the promise for a promise', async () => {
    const add = (value: number, context: number) => value + context;
    expect(andThen(1, add, 2)).toBe(3);
    const later = andThen(Promise.resolve(1), add, 2);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(3);
  });
});

describe('firstAnswer', () => {
  const ask = (item: number | Promise<number | undefined> | undefined) => item;

  it('skips undefined answers and stops at the first other one, synchronously', () => {
    expect(firstAnswer([undefined, 2, 3], null, ask)).toBe(2);
    expect(firstAnswer([undefined, undefined], null, ask)).toBeUndefined();
  });

  it('goes on after a promise of undefined, in order', async () => {
    const asked: number[] = [];
    const items = [Promise.resolve(undefined), undefined, Promise.resolve(3), 4];
    const answer = firstAnswer(items, null, (item, _argument) => {
      asked.push(items.indexOf(item));
      return item;
    });
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(3);
    expect(asked).toEqual([0, 1, 2]);
  });
});
