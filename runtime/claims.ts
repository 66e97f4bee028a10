// Measures the claims of a spec (`expect`, compiler/claims/claims.ts): trains the models a claim
// needs (through the pipeline's cache), draws the sample sets it names, computes its metrics and
// compares. Within one claim, a sample set named twice is drawn once, so `w2(a, moons) / w2(b,
// moons)` compares both models with the same held-out data; data draws come from a stream of the
// claim's seed, independent of every training stream.

import { sampleSetLabel, type Claim, type Measure, type MeasureFunction, type SampleSet } from "../compiler/artifacts/pipeline.js";
import { RandomStream } from "../compiler/artifacts/rng.js";
import { RunError } from "./errors.js";
import { energyDistance, frechetDistance, MAX_EXACT_OT_POINTS, mmdSquared, pathStraightness, slicedWasserstein, trajectoryTransportCost, transportCost, wasserstein2 } from "./metrics/index.js";
import type { Pipeline } from "./pipeline.js";
import type { SampleResult } from "./sample.js";

export interface ClaimResult {
  readonly claim: Claim;
  readonly measured: number;
  readonly threshold: number;
  readonly holds: boolean;
  readonly seconds: number;
  /** Every metric computed, by its text (`w2(rf2.euler(steps: 1), moons)`), for the report. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The adaptive ODE solves of the sample sets drawn, by label: NFE and steps measured in this run. */
  readonly solves: Readonly<Record<string, { readonly nfe: number; readonly accepted: number; readonly rejected: number }>>;
  /** The points of every sample set drawn, by label (for plots). */
  readonly points: ReadonlyMap<string, { readonly kind: SampleSet["kind"]; readonly points: Float32Array; readonly features: number; readonly trajectory?: readonly Float32Array[] }>;
}

interface Drawn {
  readonly kind: SampleSet["kind"];
  /** Final points [n, d]. */
  readonly points: Float32Array;
  readonly features: number;
  readonly result?: SampleResult;
  /** Wall-clock time to make the points (a sampler's run, and the mapping of its points). */
  readonly milliseconds?: number;
  /**
   * Function evaluations per sample of the sampler under the set: a mapping of its points
   * (`ae.decode(lfm.euler)`) runs once per sample after the solver and counts in
   * seconds_per_sample, not here, as the LFM paper counts the solver's evaluations as NFE.
   */
  readonly nfe?: number;
}

export async function measureClaim(pipeline: Pipeline, claim: Claim, fast: boolean): Promise<ClaimResult> {
  const started = performance.now();
  const n = fast ? claim.fastSamples : claim.samples;
  const drawn = new Map<string, Drawn>();
  const metrics: Record<string, number> = {};

  const draw = async (set: SampleSet, occurrence: number): Promise<Drawn> => {
    const label = sampleSetLabel(set) + (occurrence > 0 ? ` #${occurrence + 1}` : "");
    const cached = drawn.get(label);
    if (cached) return cached;
    let d: Drawn;
    if (set.kind === "sampler") {
      const result = await pipeline.sample(set.sampler, n, claim.seed + 7919 * occurrence);
      const last = result.outputs[result.outputs.length - 1]!;
      d = { kind: "sampler", points: last.data as Float32Array, features: last.shape[1] ?? 1, result, milliseconds: result.milliseconds, ...(result.nfe !== undefined ? { nfe: result.nfe } : {}) };
    } else if (set.kind === "data") {
      const stream = RandomStream.derive(claim.seed, `claim-data:${label}`);
      d = { kind: "data", points: await pipeline.points(set.data, stream, n), features: set.data.features };
    } else {
      // The points of the inner set (drawn once per claim like any set), mapped through the function.
      const inner = await draw(set.of, occurrence);
      await pipeline.runner(set.function);
      const started = performance.now();
      const points = await pipeline.maps(set.function)(inner.points, n);
      const milliseconds = (inner.milliseconds ?? 0) + (performance.now() - started);
      d = { kind: "mapped", points, features: set.features, milliseconds, ...(inner.nfe !== undefined ? { nfe: inner.nfe } : {}) };
    }
    drawn.set(label, d);
    return d;
  };

  const evaluate = async (m: Measure): Promise<number> => {
    switch (m.kind) {
      case "number":
        return m.value;
      case "binary": {
        const a = await evaluate(m.left);
        const b = await evaluate(m.right);
        return m.op === "+" ? a + b : m.op === "-" ? a - b : m.op === "*" ? a * b : a / b;
      }
      case "call": {
        const xs: number[] = [];
        for (const arg of m.args) xs.push(await evaluate(arg));
        return applyMeasureFunction(m.fn, xs);
      }
      case "metric": {
        const value = await metric(m, draw, n);
        metrics[metricText(m)] = value;
        return value;
      }
      case "value": {
        const value = await pipeline.evaluate(m.function, m.data, n, claim.seed);
        metrics[`value(${m.function.label}${m.dataLabel ? `, ${m.dataLabel}` : ""})`] = value;
        return value;
      }
    }
  };

  const measured = await evaluate(claim.measured);
  const threshold = await evaluate(claim.threshold);
  const holds = compare(measured, claim.op, threshold);
  const points = new Map(
    [...drawn].map(([label, d]) => {
      const outputs = d.result?.outputs ?? [];
      const trajectory = outputs.length > 1 ? outputs.map((o) => o.data as Float32Array) : undefined;
      return [label, { kind: d.kind, points: d.points, features: d.features, ...(trajectory ? { trajectory } : {}) }];
    }),
  );
  const solves = Object.fromEntries([...drawn].flatMap(([label, d]) => (d.result?.solver && d.nfe !== undefined ? [[label, { nfe: d.nfe, ...d.result.solver }]] : [])));
  return { claim, measured, threshold, holds, seconds: (performance.now() - started) / 1000, metrics, solves, points };
}

/** abs, min, max of measured numbers; NaN stays NaN (Math.min/max propagate it), so such a claim fails. */
export function applyMeasureFunction(fn: MeasureFunction, xs: readonly number[]): number {
  switch (fn) {
    case "abs":
      return Math.abs(xs[0]!);
    case "min":
      return Math.min(xs[0]!, xs[1]!);
    case "max":
      return Math.max(xs[0]!, xs[1]!);
  }
}

function compare(a: number, op: Claim["op"], b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

export function metricText(m: Extract<Measure, { kind: "metric" }>): string {
  return `${m.metric}(${m.args.map(sampleSetLabel).join(", ")})`;
}

async function metric(m: Extract<Measure, { kind: "metric" }>, draw: (s: SampleSet, occurrence: number) => Promise<Drawn>, n: number): Promise<number> {
  // The same set named twice in one metric means two independent draws: w2(moons, moons) is the
  // distance between two samples of the data (the noise floor of w2 at this sample size).
  const sets: Drawn[] = [];
  for (const [k, set] of m.args.entries()) sets.push(await draw(set, m.args.slice(0, k).filter((x) => JSON.stringify(x) === JSON.stringify(set)).length));
  const [a, b] = sets;
  const pair = (): [Float32Array, Float32Array, number] => {
    if (a!.features !== b!.features) throw new RunError(`${metricText(m)} compares points of ${a!.features} and ${b!.features} dimensions`);
    return [a!.points, b!.points, a!.features];
  };
  switch (m.metric) {
    case "w2":
      if (n > MAX_EXACT_OT_POINTS) throw new RunError(`w2 is exact optimal transport, limited to ${MAX_EXACT_OT_POINTS} points; this claim draws ${n} (use \`samples:\` ≤ ${MAX_EXACT_OT_POINTS}, or sliced_w2)`);
      return wasserstein2(...pair());
    case "sliced_w2":
      return slicedWasserstein(...pair());
    case "mmd":
      return mmdSquared(...pair());
    case "energy":
      return energyDistance(...pair());
    case "frechet":
      return frechetDistance(...pair());
    case "straightness": {
      const states = trajectory(a!, m);
      return pathStraightness(states, a!.features);
    }
    case "transport_cost": {
      const result = a!.result!;
      if (result.outputs.length > 1) return trajectoryTransportCost(trajectory(a!, m), a!.features);
      const noise = Object.values(result.noise);
      if (noise.length !== 1 || noise[0]!.data.length !== a!.points.length)
        throw new RunError(`${metricText(m)} needs a sampler that returns its trajectory or draws exactly one noise tensor shaped like its result`);
      return transportCost(noise[0]!.data as Float32Array, a!.points, a!.features);
    }
    case "endpoint_error": {
      // Paired: both samplers must have started from the same noise (the same seed and stream, as
      // every sampler of a claim is, and noise of the same shape).
      const noiseOf = (d: Drawn) => Object.values(d.result?.noise ?? {});
      const [na, nb] = [noiseOf(a!), noiseOf(b!)];
      const same = na.length === nb.length && na.length > 0 && na.every((t, k) => t.data.length === nb[k]!.data.length && t.data.every((x, i) => x === nb[k]!.data[i]));
      if (!same) throw new RunError(`${metricText(m)} compares two samplers' results from the same noise, but they start from different noise`);
      return transportCost(...pair());
    }
    case "nfe": {
      // Counted in the sampler's graph, or for an adaptive solve measured when it ran (runtime/sample.ts).
      const nfe = a!.nfe;
      if (nfe === undefined) throw new RunError(`${metricText(m)}: the sampler's number of function evaluations is unknown`);
      return nfe;
    }
    case "seconds_per_sample":
      return a!.milliseconds! / 1000 / n;
  }
}

function trajectory(d: Drawn, m: Extract<Measure, { kind: "metric" }>): Float32Array[] {
  const outputs = d.result!.outputs;
  if (outputs.length < 2)
    throw new RunError(`${metricText(m)} needs the sampler's trajectory: declare a sampler that returns its states, e.g. \`-> [f32[N, d]]\` from a trajectory solver of std/solvers.flow`);
  return outputs.map((o) => o.data as Float32Array);
}
