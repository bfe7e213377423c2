/**
 * Looking at a drawn chart the way a person would: decode the PNG (pngjs), find the columns painted
 * in a mark's colour, count the marks an SVG holds. Pictures are kept under test-artifacts/ for a
 * person to open; tests compare facts, never whole images (a font update must not break them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

export const ARTIFACTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

export function keepArtifact(name: string, bytes: Uint8Array): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  writeFileSync(path, bytes);
  return path;
}

export interface DecodedPng {
  width: number;
  height: number;
  /** Pixels painted exactly in `hex` (e.g. '#1f77b4'), column by column. */
  columns(hex: string): number[];
  count(hex: string): number;
}

export function decodePng(bytes: Uint8Array): DecodedPng {
  const png = PNG.sync.read(Buffer.from(bytes));
  const matches = (index: number, [r, g, b]: [number, number, number]) =>
    png.data[index] === r &&
    png.data[index + 1] === g &&
    png.data[index + 2] === b &&
    png.data[index + 3] === 255;
  const columns = (hex: string) => {
    const rgb = toRgb(hex);
    const perColumn = new Array<number>(png.width).fill(0);
    for (let y = 0; y < png.height; y += 1) {
      for (let x = 0; x < png.width; x += 1) {
        if (matches((y * png.width + x) * 4, rgb)) perColumn[x] = (perColumn[x] ?? 0) + 1;
      }
    }
    return perColumn;
  };
  return {
    width: png.width,
    height: png.height,
    columns,
    count: (hex) => columns(hex).reduce((total, column) => total + column, 0),
  };
}

/** Runs of adjacent painted columns: one per bar when bars are drawn apart. Heights are each run's tallest column. */
export function paintedRuns(columns: readonly number[]): number[] {
  const runs: number[] = [];
  let current = 0;
  for (const painted of [...columns, 0]) {
    if (painted > 0) current = Math.max(current, painted);
    else if (current > 0) {
      runs.push(current);
      current = 0;
    }
  }
  return runs;
}

/** The `<path>`s inside an SVG's mark group of a kind (`rect`, `line`, `symbol`, `text`). */
export function svgMarks(svg: string, kind: string): string[] {
  const marks: string[] = [];
  const groups = new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const group of svg.matchAll(groups)) {
    marks.push(...(group[1]?.match(/<(path|text)[^>]*>/g) ?? []));
  }
  return marks;
}

function toRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
