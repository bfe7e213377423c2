import type { ChildProcess } from 'node:child_process';

/**
 * The next message of the given type from a forked child (a bench's Sumo stand-in); fails if the
 * child exits first, so a crashed stand-in stops the bench instead of leaving it waiting.
 */
export function reply<T>(child: ChildProcess, type: string): Promise<{ type: string } & T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      stopListening();
      resolve(message as { type: string } & T);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      stopListening();
      reject(new Error(`the child process exited (${signal ?? code}) before its '${type}' message`));
    };
    const stopListening = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
