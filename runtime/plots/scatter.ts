// PNG scatter plots of 2-D samples (optionally over reference data), drawn pixel by pixel and
// encoded with pngjs. Enough for looking at samples against data; not a plotting library.

import { PNG } from "pngjs";

export interface ScatterSeries {
  readonly points: Float32Array; // [n, 2] row-major
  readonly color: readonly [number, number, number];
}

export interface ScatterOptions {
  readonly width?: number;
  readonly height?: number;
  /** Data range shown; computed from all series (with a margin) when absent. */
  readonly bounds?: { xmin: number; xmax: number; ymin: number; ymax: number };
}

export function scatterPng(series: readonly ScatterSeries[], options: ScatterOptions = {}): Buffer {
  const width = options.width ?? 512;
  const height = options.height ?? 512;
  const bounds = options.bounds ?? boundsOf(series);
  const png = new PNG({ width, height });
  png.data.fill(255);
  // light axes through the origin when it is visible
  const px = (x: number) => Math.round(((x - bounds.xmin) / (bounds.xmax - bounds.xmin)) * (width - 1));
  const py = (y: number) => Math.round((1 - (y - bounds.ymin) / (bounds.ymax - bounds.ymin)) * (height - 1));
  const put = (x: number, y: number, [r, g, b]: readonly [number, number, number], alpha: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    png.data[i] = Math.round(png.data[i]! * (1 - alpha) + r * alpha);
    png.data[i + 1] = Math.round(png.data[i + 1]! * (1 - alpha) + g * alpha);
    png.data[i + 2] = Math.round(png.data[i + 2]! * (1 - alpha) + b * alpha);
  };
  const ox = px(0);
  const oy = py(0);
  for (let x = 0; x < width; x++) put(x, oy, [200, 200, 200], 1);
  for (let y = 0; y < height; y++) put(ox, y, [200, 200, 200], 1);
  for (const s of series)
    for (let i = 0; i + 1 < s.points.length; i += 2) {
      const cx = px(s.points[i]!);
      const cy = py(s.points[i + 1]!);
      for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) put(cx + dx, cy + dy, s.color, dx === 0 && dy === 0 ? 0.6 : 0.25);
    }
  return PNG.sync.write(png);
}

function boundsOf(series: readonly ScatterSeries[]) {
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const s of series)
    for (let i = 0; i + 1 < s.points.length; i += 2) {
      const x = s.points[i]!;
      const y = s.points[i + 1]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xmin = Math.min(xmin, x);
      xmax = Math.max(xmax, x);
      ymin = Math.min(ymin, y);
      ymax = Math.max(ymax, y);
    }
  if (!Number.isFinite(xmin)) return { xmin: -1, xmax: 1, ymin: -1, ymax: 1 };
  const mx = 0.05 * (xmax - xmin || 1);
  const my = 0.05 * (ymax - ymin || 1);
  return { xmin: xmin - mx, xmax: xmax + mx, ymin: ymin - my, ymax: ymax + my };
}

/**
 * The paths of the first `count` particles of a trajectory (states [n, 2] at successive times),
 * from light (t = 0) to dark (t = 1), with their start and end points.
 */
export function trajectoryPng(states: readonly Float32Array[], features: number, count: number, options: ScatterOptions = {}): Buffer {
  if (features !== 2) throw new Error("trajectory plots are 2-D");
  const n = Math.min(count, states[0]!.length / 2);
  const K = states.length - 1;
  const series: ScatterSeries[] = [];
  // Each segment is drawn as points interpolated along it, coloured by time.
  for (let k = 0; k < K; k++) {
    const from = states[k]!;
    const to = states[k + 1]!;
    const shade = Math.round(200 - (170 * k) / Math.max(1, K - 1));
    const pts: number[] = [];
    for (let i = 0; i < n; i++)
      for (let s = 0; s < 4; s++) {
        const a = s / 4;
        pts.push(from[2 * i]! * (1 - a) + to[2 * i]! * a, from[2 * i + 1]! * (1 - a) + to[2 * i + 1]! * a);
      }
    series.push({ points: Float32Array.from(pts), color: [shade, shade, 255] });
  }
  series.push({ points: states[0]!.subarray(0, 2 * n), color: [120, 120, 120] });
  series.push({ points: states[K]!.subarray(0, 2 * n), color: [214, 39, 40] });
  return scatterPng(series, options);
}
