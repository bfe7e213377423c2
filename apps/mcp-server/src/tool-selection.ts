import { TOOLSETS, type Toolset } from '@sumo-ops/core';
import type { ToolSpec } from './tool-types.js';

/**
 * What one client asks for, within what the server offers: the server's own flags (`--tools`,
 * `--toolsets`, `--read-only`) are the ceiling, and a selection can only take tools away.
 */
export interface ToolSelection {
  /** Exact tool names. */
  tools?: readonly string[] | undefined;
  toolsets?: readonly string[] | undefined;
  /** True drops every tool that can change something; false changes nothing. */
  readOnly?: boolean | undefined;
  /** Only these orgs (X-MCP-Orgs), within those the server may use. */
  orgs?: readonly string[] | undefined;
}

/** A selection naming what does not exist, or leaving nothing; the message lists what does. */
export class ToolSelectionError extends Error {
  override readonly name = 'ToolSelectionError';
}

/**
 * The offered tools the selection keeps. Names that are not tools of this product (or toolsets)
 * are refused with the valid ones, so a typo does not silently leave a client without a tool;
 * known tools the server does not offer stay away, whatever the selection says.
 */
export function selectTools(
  offered: readonly ToolSpec[],
  known: readonly string[],
  selection: ToolSelection,
): ToolSpec[] {
  const unknownTools = (selection.tools ?? []).filter((name) => !known.includes(name));
  if (unknownTools.length > 0) {
    throw new ToolSelectionError(
      `Unknown tool ${unknownTools.map((name) => `"${name}"`).join(', ')}; this server offers: ${offered.map((tool) => tool.name).join(', ')}.`,
    );
  }
  const unknownToolsets = (selection.toolsets ?? []).filter(
    (name) => !(TOOLSETS as readonly string[]).includes(name),
  );
  if (unknownToolsets.length > 0) {
    throw new ToolSelectionError(
      `Unknown toolset ${unknownToolsets.map((name) => `"${name}"`).join(', ')}; the toolsets are: ${TOOLSETS.join(', ')}.`,
    );
  }
  const kept = offered.filter(
    (tool) =>
      (!selection.tools || selection.tools.includes(tool.name)) &&
      (!selection.toolsets || selection.toolsets.includes(tool.toolset as Toolset)) &&
      (!selection.readOnly || tool.annotations.readOnlyHint),
  );
  if (kept.length === 0) {
    throw new ToolSelectionError(
      `No tool is left: this server offers ${offered.map((tool) => tool.name).join(', ')}, and the selection keeps none of them.`,
    );
  }
  return kept;
}

/** A comma-separated list as flags and headers give it: items trimmed, empty ones dropped. */
export function commaList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * The orgs a client's X-MCP-Orgs keeps, within those the server may use (its --orgs): a name
 * beyond them is refused with the ones that are allowed, never quietly widened or dropped.
 */
export function selectOrgs(allowed: readonly string[], requested: readonly string[]): string[] {
  const beyond = requested.filter((name) => !allowed.includes(name));
  if (requested.length === 0 || beyond.length > 0) {
    throw new ToolSelectionError(
      `X-MCP-Orgs ${beyond.length ? `names ${beyond.map((name) => `"${name}"`).join(', ')}, which this server does not offer` : 'names no org'}; use a comma-separated list of ${allowed.join(', ')}.`,
    );
  }
  return allowed.filter((name) => requested.includes(name));
}
