/** Collector builds offered as upgrade targets, oldest first; the last one is the latest. */
export const COLLECTOR_VERSIONS: readonly string[] = [
  '19.418-23',
  '19.451-4',
  '19.470-2',
  '19.470-9',
  '19.490-7',
  '19.490-10',
  '20.1-2749',
  '20.1-3298',
  '20.1-4617',
  '20.1-5230',
];

export function latestVersion(versions: readonly string[]): string {
  const latest = versions.at(-1);
  if (latest === undefined) throw new Error('the version list is empty');
  return latest;
}
