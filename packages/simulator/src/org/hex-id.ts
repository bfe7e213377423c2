/**
 * Sumo's OpenAPI document writes ids as 16 uppercase hex digits (`0000000005F5E105`); the
 * Collector Management API writes the same numbers in decimal. Health events name installed
 * collectors and sources in the hex form, so both forms must round-trip.
 */
export function hexId(id: number): string {
  return id.toString(16).toUpperCase().padStart(16, '0');
}

/** The number a 16-hex-digit id stands for, or undefined when it is not one (or too big for a safe integer). */
export function parseHexId(text: string): number | undefined {
  if (!/^[0-9A-Fa-f]{16}$/.test(text)) return undefined;
  const value = Number.parseInt(text, 16);
  return Number.isSafeInteger(value) ? value : undefined;
}
