/**
 * A value, or a promise of it: what a step answers that needs I/O only sometimes (a token seen before,
 * its user cached, is decided without a read). Only {@link settle} and {@link andThen} tell the two
 * apart, so no other code branches on `instanceof Promise`.
 */
export type MaybeAsync<T> = T | Promise<T>;

/**
 * Calls `step(context, argument)` and hands its value to `onValue`, or whatever it threw
 * (synchronously, or as a rejection) to `onError`, each with `context`; without a promise when `step`
 * answered without one. The functions take their inputs as arguments rather than closing over them,
 * so a caller on the hot path passes functions built once and allocates nothing.
 */
export function settle<C, A, T, R>(
  step: (context: C, argument: A) => MaybeAsync<T>,
  context: C,
  argument: A,
  onValue: (value: T, context: C) => MaybeAsync<R>,
  onError: (error: unknown, context: C) => MaybeAsync<R>,
): MaybeAsync<R> {
  let value: MaybeAsync<T>;
  try {
    value = step(context, argument);
  } catch (error) {
    return onError(error, context);
  }
  return value instanceof Promise
    ? value.then(
        (settled) => onValue(settled, context),
        (error: unknown) => onError(error, context),
      )
    : onValue(value, context);
}

/** `next(value, context)` once `value` is there: at once for a plain value, later for a promise. */
export function andThen<T, C, R>(
  value: MaybeAsync<T>,
  next: (value: T, context: C) => MaybeAsync<R>,
  context: C,
): MaybeAsync<R> {
  return value instanceof Promise
    ? value.then((settled) => next(settled, context))
    : next(value, context);
}

/**
 * The first answer other than `undefined` that `ask(item, argument)` gives, trying `items` in order
 * from `from`; undefined when none answers. Without a promise as long as every answer came without
 * one: a chain whose deciding link needed no I/O is decided in the same tick.
 */
export function firstAnswer<I, A, R>(
  items: readonly I[],
  argument: A,
  ask: (item: I, argument: A) => MaybeAsync<R | undefined>,
  from = 0,
): MaybeAsync<R | undefined> {
  for (let index = from; index < items.length; index++) {
    const answer = ask(items[index], argument);
    if (answer === undefined) continue;
    if (!(answer instanceof Promise)) return answer;
    return answer.then((settled) => settled ?? firstAnswer(items, argument, ask, index + 1));
  }
  return undefined;
}
