// Toy 2-D distributions (the `toy.*` data sources). Each draws i.i.d. points from a seeded stream,
// so a run's batches are reproducible bit for bit. Shapes follow the usual definitions:
// moons as scikit-learn's make_moons (with uniform angles), checkerboard and two spirals as in
// FFJORD (Grathwohl et al. 2019), eight Gaussians on a circle as in torchcfm.

import { RandomStream } from "../../compiler/artifacts/rng.js";

/**
 * Draws n points [n, features] into `out` (a new array when absent) and returns it; a source with
 * classes (TOY_CLASSES) writes each point's class into `labels` when given (the draws are the same
 * either way). The trainer passes the same buffers every step.
 */
export type ToySampler = (
  stream: RandomStream,
  n: number,
  args: Readonly<Record<string, number>>,
  labels?: Int32Array,
  out?: Float32Array,
) => Float32Array;

// `scale` (default 1) multiplies every point, noise included.
const moons: ToySampler = (stream, n, args, labels, out = new Float32Array(n * 2)) => {
  const noise = args["noise"] ?? 0.05;
  const scale = args["scale"] ?? 1;
  for (let i = 0; i < n; i++) {
    const angle = Math.PI * stream.uniform();
    const upper = stream.uniform() < 0.5;
    if (labels) labels[i] = upper ? 0 : 1;
    const x = upper ? Math.cos(angle) : 1 - Math.cos(angle);
    const y = upper ? Math.sin(angle) : 0.5 - Math.sin(angle);
    out[2 * i] = scale * (x + noise * stream.normal());
    out[2 * i + 1] = scale * (y + noise * stream.normal());
  }
  return out;
};

const gaussians8: ToySampler = (stream, n, args, labels, out = new Float32Array(n * 2)) => {
  const radius = args["radius"] ?? 2;
  const std = args["std"] ?? 0.02;
  for (let i = 0; i < n; i++) {
    const k = Math.floor(stream.uniform() * 8);
    if (labels) labels[i] = k;
    out[2 * i] = radius * Math.cos((k * Math.PI) / 4) + std * stream.normal();
    out[2 * i + 1] = radius * Math.sin((k * Math.PI) / 4) + std * stream.normal();
  }
  return out;
};

const checkerboard: ToySampler = (stream, n, _args, _labels, out = new Float32Array(n * 2)) => {
  for (let i = 0; i < n; i++) {
    const x1 = stream.uniform() * 4 - 2;
    const x2 = stream.uniform() - (stream.uniform() < 0.5 ? 0 : 2) + (((Math.floor(x1) % 2) + 2) % 2);
    out[2 * i] = x1 * 2;
    out[2 * i + 1] = x2 * 2;
  }
  return out;
};

const spirals: ToySampler = (stream, n, args, labels, out = new Float32Array(n * 2)) => {
  const noise = args["noise"] ?? 0.05;
  for (let i = 0; i < n; i++) {
    const t = Math.sqrt(stream.uniform()) * 3 * Math.PI;
    const sign = stream.uniform() < 0.5 ? 1 : -1;
    if (labels) labels[i] = sign > 0 ? 0 : 1;
    out[2 * i] = (sign * -Math.cos(t) * t) / 3 + noise * stream.normal();
    out[2 * i + 1] = (sign * Math.sin(t) * t) / 3 + noise * stream.normal();
  }
  return out;
};

const rings: ToySampler = (stream, n, args, labels, out = new Float32Array(n * 2)) => {
  const noise = args["noise"] ?? 0.05;
  for (let i = 0; i < n; i++) {
    const ring = Math.floor(stream.uniform() * 4);
    const radius = 0.5 * (1 + ring);
    if (labels) labels[i] = ring;
    const angle = 2 * Math.PI * stream.uniform();
    out[2 * i] = radius * Math.cos(angle) + noise * stream.normal();
    out[2 * i + 1] = radius * Math.sin(angle) + noise * stream.normal();
  }
  return out;
};

// Standard normal vectors (times `std`) with `dim` features.
const gaussian: ToySampler = (stream, n, args, _labels, out = new Float32Array(n * args["dim"]!)) => {
  const dim = args["dim"]!;
  const std = args["std"] ?? 1;
  for (let i = 0; i < out.length; i++) out[i] = std * stream.normal();
  return out;
};

// A mixture of `components` equally likely isotropic Gaussians (std `std`) in `dim` dimensions,
// whose means lie at distance `radius` from the origin in directions drawn once from `layout`
// (so the same arguments give the same distribution); a higher-dimensional analogue of the eight
// Gaussians, for checks where 2-D is misleading.
const gaussianMixture: ToySampler = (stream, n, args, labels, out = new Float32Array(n * args["dim"]!)) => {
  const dim = args["dim"]!;
  const components = args["components"] ?? 8;
  const radius = args["radius"] ?? 4;
  const std = args["std"] ?? 0.5;
  const means = mixtureMeans(dim, components, radius, args["layout"] ?? 0);
  for (let i = 0; i < n; i++) {
    const k = Math.min(components - 1, Math.floor(stream.uniform() * components));
    if (labels) labels[i] = k;
    for (let j = 0; j < dim; j++) out[i * dim + j] = means[k * dim + j]! + std * stream.normal();
  }
  return out;
};

function mixtureMeans(dim: number, components: number, radius: number, layout: number): Float64Array {
  const stream = RandomStream.derive(layout, `toy.gaussian_mixture:${dim}:${components}`);
  const means = new Float64Array(components * dim);
  for (let k = 0; k < components; k++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (means[k * dim + j] = stream.normal()) ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < dim; j++) means[k * dim + j] = (radius * means[k * dim + j]!) / norm;
  }
  return means;
}

export const TOY_SOURCES: Readonly<Record<string, ToySampler>> = {
  "toy.moons": moons,
  "toy.gaussians8": gaussians8,
  "toy.checkerboard": checkerboard,
  "toy.spirals": spirals,
  "toy.rings": rings,
  "toy.gaussian": gaussian,
  "toy.gaussian_mixture": gaussianMixture,
};

