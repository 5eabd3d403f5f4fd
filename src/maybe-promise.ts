/**
 * A value that is there now, or a promise of it when getting it meant waiting.
 *
 * An answer from memory is made without waiting for anything, and the Node adapter writes
 * a Response it gets back synchronously at once; given a promise, it takes a slower path
 * of its own (a close listener and three more promises per request). So the request path
 * returns a promise only where something waits: a POST body, the first snapshot, the rate
 * limit's store, a plan probe. A few awaits per request cost a noticeable share of a cheap
 * answer's CPU.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `next(value)`, called at once when `value` is already there. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
