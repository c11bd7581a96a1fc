// Calling an asynchronous seam safely: a synchronous throw becomes a rejection, never an exception in the caller.

/** `fn()`, with a synchronous throw turned into a rejected promise (a store or broker that throws instead of rejecting). */
export function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}
