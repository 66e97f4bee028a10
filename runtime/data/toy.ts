// Toy 2-D distributions (the `toy.*` data sources). Each draws i.i.d. points from a seeded stream,
// so a run's batches are reproducible bit for bit. Shapes follow the usual definitions:
// moons as scikit-learn's make_moons (with uniform angles), checkerboard and two spirals as in
// FFJORD (Grathwohl et al. 2019), eight Gaussians on a circle as in torchcfm.

import type { RandomStream } from "../../compiler/artifacts/rng.js";

/** Draws n points into `out` (n * 2 values; a new array when absent) and returns it. */
export type ToySampler = (stream: RandomStream, n: number, args: Readonly<Record<string, number>>, out?: Float32Array) => Float32Array;

const moons: ToySampler = (stream, n, args, out = new Float32Array(n * 2)) => {
  const noise = args["noise"] ?? 0.05;
  for (let i = 0; i < n; i++) {
    const angle = Math.PI * stream.uniform();
    const upper = stream.uniform() < 0.5;
    const x = upper ? Math.cos(angle) : 1 - Math.cos(angle);
    const y = upper ? Math.sin(angle) : 0.5 - Math.sin(angle);
    out[2 * i] = x + noise * stream.normal();
    out[2 * i + 1] = y + noise * stream.normal();
  }
  return out;
};

const gaussians8: ToySampler = (stream, n, args, out = new Float32Array(n * 2)) => {
  const radius = args["radius"] ?? 2;
  const std = args["std"] ?? 0.02;
  for (let i = 0; i < n; i++) {
    const k = Math.floor(stream.uniform() * 8);
    out[2 * i] = radius * Math.cos((k * Math.PI) / 4) + std * stream.normal();
    out[2 * i + 1] = radius * Math.sin((k * Math.PI) / 4) + std * stream.normal();
  }
  return out;
};

const checkerboard: ToySampler = (stream, n, _args, out = new Float32Array(n * 2)) => {
  for (let i = 0; i < n; i++) {
    const x1 = stream.uniform() * 4 - 2;
    const x2 = stream.uniform() - (stream.uniform() < 0.5 ? 0 : 2) + (((Math.floor(x1) % 2) + 2) % 2);
    out[2 * i] = x1 * 2;
    out[2 * i + 1] = x2 * 2;
  }
  return out;
};

const spirals: ToySampler = (stream, n, args, out = new Float32Array(n * 2)) => {
  const noise = args["noise"] ?? 0.05;
  for (let i = 0; i < n; i++) {
    const t = Math.sqrt(stream.uniform()) * 3 * Math.PI;
    const sign = stream.uniform() < 0.5 ? 1 : -1;
    out[2 * i] = (sign * -Math.cos(t) * t) / 3 + noise * stream.normal();
    out[2 * i + 1] = (sign * Math.sin(t) * t) / 3 + noise * stream.normal();
  }
  return out;
};

const rings: ToySampler = (stream, n, args, out = new Float32Array(n * 2)) => {
  const noise = args["noise"] ?? 0.05;
  for (let i = 0; i < n; i++) {
    const radius = 0.5 * (1 + Math.floor(stream.uniform() * 4));
    const angle = 2 * Math.PI * stream.uniform();
    out[2 * i] = radius * Math.cos(angle) + noise * stream.normal();
    out[2 * i + 1] = radius * Math.sin(angle) + noise * stream.normal();
  }
  return out;
};

export const TOY_SOURCES: Readonly<Record<string, ToySampler>> = {
  "toy.moons": moons,
  "toy.gaussians8": gaussians8,
  "toy.checkerboard": checkerboard,
  "toy.spirals": spirals,
  "toy.rings": rings,
};

/** Number of features of every toy source. */
export const TOY_DIM = 2;
