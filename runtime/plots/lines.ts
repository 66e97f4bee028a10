// PNG line plots (loss curves), drawn pixel by pixel and encoded with pngjs, on a log scale for y
// when every value is positive. Enough to see whether a run converged; not a plotting library.

import { PNG } from "pngjs";

export interface LineSeries {
  readonly points: readonly (readonly [number, number])[];
  readonly color: readonly [number, number, number];
}

export function linePng(series: readonly LineSeries[], options: { width?: number; height?: number } = {}): Buffer {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const margin = 8;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const logY = all.length > 0 && all.every(([, y]) => y > 0);
  const fy = (y: number) => (logY ? Math.log10(y) : y);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => fy(y));
  const xmin = Math.min(...xs, 0);
  const xmax = Math.max(...xs, 1);
  let ymin = Math.min(...ys, logY ? Infinity : 0);
  let ymax = Math.max(...ys);
  if (!Number.isFinite(ymin) || !Number.isFinite(ymax)) [ymin, ymax] = [0, 1];
  if (ymax === ymin) [ymin, ymax] = [ymin - 1, ymax + 1];
  const png = new PNG({ width, height });
  png.data.fill(255);
  const px = (x: number) => margin + Math.round(((x - xmin) / (xmax - xmin || 1)) * (width - 1 - 2 * margin));
  const py = (y: number) => margin + Math.round((1 - (fy(y) - ymin) / (ymax - ymin)) * (height - 1 - 2 * margin));
  const put = (x: number, y: number, [r, g, b]: readonly [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
  };
  // Frame and, on a log scale, a faint line per decade.
  for (let x = margin; x < width - margin; x++) [margin, height - 1 - margin].forEach((y) => put(x, y, [180, 180, 180]));
  for (let y = margin; y < height - margin; y++) [margin, width - 1 - margin].forEach((x) => put(x, y, [180, 180, 180]));
  if (logY) for (let d = Math.ceil(ymin); d <= Math.floor(ymax); d++) for (let x = margin; x < width - margin; x += 3) put(x, py(10 ** d), [220, 220, 220]);
  for (const s of series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0));
    for (let k = 1; k < pts.length; k++) {
      const [x0, y0] = [px(pts[k - 1]![0]), py(pts[k - 1]![1])];
      const [x1, y1] = [px(pts[k]![0]), py(pts[k]![1])];
      const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
      for (let i = 0; i <= steps; i++) put(Math.round(x0 + ((x1 - x0) * i) / steps), Math.round(y0 + ((y1 - y0) * i) / steps), s.color);
    }
  }
  return PNG.sync.write(png);
}
