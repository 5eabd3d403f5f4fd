/**
 * A value that is there now, or a promise of it when getting it meant waiting.
 *
 * An answer from memory is made without waiting for anything, and the Node adapter writes
 * a Response it gets back synchronously at once; given a promise, it takes a slower path
 * of its own (a close listener and three more promises per request). So the request path
 * returns a promise only where something waits: a POST body, the first snapshot, the rate
 * limit's store, a plan probe. Measured with wrk on one process answering a fixed body,
 * three awaits per request cost 1.5-2.4 µs of user time per answer, about a tenth of the
 * service's answers a second.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `next(value)`, called at once when `value` is already there. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
