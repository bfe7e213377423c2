import { expect } from 'vitest';

/** How RedisBackend says that shared state went away and that it came back. */
const LOST = 'shared state lost';
const BACK = 'shared state reachable again';

/**
 * Checks that a process said once that it lost shared state through an outage that began at line
 * `from` of its log (a primary killed there), and once that it was back. Only that outage is
 * judged: on a loaded machine a command can miss its deadline before the kill and make an outage
 * of its own, logged as a pair of its own, or still under way at the kill (then the kill's outage
 * is the same one, and its start was said before `from`). Every outage in the whole log must still
 * be said once at its start and once at its end, so a process that logged every failed command
 * fails here.
 */
export function expectOneOutageFrom(messages: string[], from: number): void {
  const said = messages.flatMap((message, index) =>
    message.startsWith(LOST)
      ? [{ index, what: 'lost' }]
      : message.startsWith(BACK)
        ? [{ index, what: 'back' }]
        : [],
  );
  const context = messages.join('\n');
  expect(
    said.map((line) => line.what),
    context,
  ).toEqual(said.map((_, i) => (i % 2 === 0 ? 'lost' : 'back')));
  const count = (lines: typeof said, what: string) => lines.filter((line) => line.what === what).length;
  const after = said.filter((line) => line.index >= from);
  const underWayAtKill = said.filter((line) => line.index < from).at(-1)?.what === 'lost';
  expect(
    { lost: count(after, 'lost') + (underWayAtKill ? 1 : 0), back: count(after, 'back') },
    context,
  ).toEqual({ lost: 1, back: 1 });
}
