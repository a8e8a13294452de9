/**
 * Test-only: with `ALLMENDE_TEST_CRASH_AFTER=<audit type>[@<role>]` in its environment, the node
 * kills itself with SIGKILL right after it stored a step of that type (taken by that role), before
 * it sends anything: a power cut at the worst moment. The crash matrix test sets it on one node at
 * a time; nothing else does.
 */
const target = process.env.ALLMENDE_TEST_CRASH_AFTER

export function crashPoint(type: string, role: unknown): void {
  if (target === undefined || target === '') return
  const [wantedType, wantedRole] = target.split('@')
  if (type === wantedType && (wantedRole === undefined || wantedRole === role)) {
    process.kill(process.pid, 'SIGKILL')
  }
}
