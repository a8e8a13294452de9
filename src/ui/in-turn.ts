/**
 * Makes a draw run one at a time. A page draws on its first render, after the user's actions and on live events;
 * two draws that overlap can finish in the wrong order and leave the older answer on screen (a request the data
 * officer had already ended, still offered for approval). A call while a draw runs waits for it; the calls made
 * while one waits share that next draw, which takes the latest call's arguments.
 */
export function inTurn<A extends unknown[]>(
  draw: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  let tail: Promise<void> = Promise.resolve()
  let waiting: { args: A; done: Promise<void> } | undefined
  return (...args: A) => {
    if (waiting !== undefined) {
      waiting.args = args
      return waiting.done
    }
    const next: { args: A; done: Promise<void> } = { args, done: Promise.resolve() }
    next.done = tail.then(() => {
      waiting = undefined
      return draw(...next.args)
    })
    waiting = next
    tail = next.done.catch(() => undefined)
    return next.done
  }
}
