/**
 * Turns of the event loop for long in-process work. Everything a server or agent does runs on
 * one thread: a chain of promises that never waits on I/O (a watch-cache fill of 10,000 objects,
 * the controllers' first lists through the in-process transport, an informer replaying a list to
 * its handlers) holds back every socket until it ends.
 *
 * Yield points take turns. While the runtime paused for I/O less than a slice ago and nobody
 * waits, a yield goes on at once; otherwise it waits in line, one waiter runs per turn, and after
 * a slice of work the line waits for a timer: a turn in which Deno's runtime parks and runs its
 * own I/O tasks. With `setImmediate` turns instead, a TLS handshake to the API server while the
 * controllers started on 10,000 ConfigMaps took 0.8 s; with these pauses it takes about 0.2 s.
 *
 * @module
 */
import { setImmediate, setTimeout } from "node:timers";

/** Work up to this long runs without a pause; then sockets get a turn. */
const SLICE_MS = 20;

let lastPause = 0;
const line: (() => void)[] = [];
let pumping = false;

function pump(): void {
  if (performance.now() - lastPause >= SLICE_MS) {
    setTimeout(() => {
      lastPause = performance.now();
      pump();
    }, 0);
    return;
  }
  // One waiter per turn: its work runs before the next turn, so the clock above sees it.
  line.shift()!();
  if (line.length) setImmediate(pump);
  else pumping = false;
}

/**
 * Resolves at once while the runtime paused less than a slice ago and nobody waits, else in line
 * after a pause. (After an idle spell the first yield pauses too: about a millisecond, once.)
 */
export function yieldToEventLoop(): Promise<void> {
  if (!pumping && performance.now() - lastPause < SLICE_MS) return Promise.resolve();
  return new Promise((resolve) => {
    line.push(resolve);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  });
}
