import type { ChartSpec } from './chart.js';

/** A drawn chart: the SVG Vega made, the PNG resvg rasterised from it, and its alt text. */
export interface RenderedChart {
  svg: string;
  png: Uint8Array;
  /** PNG size in pixels (the spec's size × `scale`). */
  width: number;
  height: number;
  alt: string;
  empty: boolean;
}

/** Drawn at twice the spec's size so the picture stays sharp on high-density screens. */
const PNG_SCALE = 2;

/**
 * Spec → SVG (Vega, headless: no canvas, no DOM) → PNG (resvg). The three libraries are loaded on
 * the first chart only: they are a few megabytes of JavaScript and a native binary that a bin
 * answering tools/list or a Slack ack must not pay for at start-up.
 */
export async function renderChart(chart: ChartSpec, scale = PNG_SCALE): Promise<RenderedChart> {
  const svg = await renderSvg(chart);
  const image = await rasterise(svg, scale);
  return {
    svg,
    png: image.asPng(),
    width: image.width,
    height: image.height,
    alt: chart.alt,
    empty: chart.empty,
  };
}

/**
 * SVG → pixels on libuv's thread pool (resvg's `renderAsync`), not on the event loop: a Slack bot
 * drawing a 1,000-bucket chart keeps acknowledging requests meanwhile. (Vega's SVG step stays on
 * the main thread: bench/charts reports its share.)
 */
export async function rasterise(svg: string, scale = PNG_SCALE) {
  const { renderAsync } = await import('@resvg/resvg-js');
  return renderAsync(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
}

/** The SVG alone (what a browser or a test that counts marks needs). */
export async function renderSvg(chart: ChartSpec): Promise<string> {
  const [vegaLite, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const { spec } = vegaLite.compile(chart.vegaLite as never);
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
