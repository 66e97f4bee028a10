// The optimizers of std/optim.flow against reference numbers.
//
// test/optim/fixtures.json is written by bench/reference/optimizers.py (run with a Python that
// has PyTorch; the generator records the torch version in the file): float64 transcriptions of
// torch.optim.SGD / Adam / AdamW (checked there against torch.optim to 1e-12), of AdamP and SGDP
// as in clovaai/AdamP, of torch.nn.utils.clip_grad_norm_ and of a weight EMA. This test never
// runs Python.
//
// Each case compiles a small spec that instantiates the optimizer and exposes `update` and `init`
// as model functions, then runs the fixture's steps, feeding outputs back, three ways:
//   - the float64 reference interpreter on the graph with its f32 constants fed as exact float64
//     inputs ("exact constants"): the optimizer's arithmetic in float64, vs the fixture (EXACT_TOL);
//   - the interpreter on the graph as compiled, vs the fixture (STORED_TOL). Like ONNX, the
//     interpreter rounds f32 constants to float32: beta2 = 0.999 becomes 0.99900001, which moves
//     Adam's bias correction 1 - beta2^1 by 1.3e-5 relative (6.4e-6 after the square root), and
//     momentum 0.9 -> 0.89999998 leaves ~1e-6 relative errors in elements of a buffer where
//     0.9 buf and the new gradient nearly cancel; so this comparison cannot be held to 1e-6;
//   - ONNX Runtime in float32, on its own trajectory, vs the compiled graph in the interpreter
//     (ORT_TOL).
// For steps where AdamP/SGDP projected, it also checks that the update (without weight decay)
// is orthogonal to p: per channel (the slices along `channel_axis`) for the channel view, as one
// row for the layer view.
//
// Layouts: the reference code takes a weight's channels on axis 0 (PyTorch's [out, in]); flowc's
// default `channel_axis` is the last axis (Linear.w is [d_in, d_out]). The cases in PyTorch's
// layout pass `channel_axis: 0`; the others are stored in their own layout by the generator, which
// runs the reference on the tensors with the channel axis moved to the front and moves the results
// back. The `*_linear_batchnorm` cases take their gradients from torch.nn.Linear followed by
// BatchNorm1d(affine=False): in flowc's layout, only a per-column channel view fires there (the
// projection as the first axis would take it falls back to the whole tensor, and the numbers
// differ).
//
// Tolerance criterion, element by element, for a result `a` and a reference tensor `b`:
//   |a_i - b_i| <= tol * max(|b_i|, 1e-3 * max_j |b_j|, 1e-12)
// i.e. relative, except for elements a thousand times smaller than the largest of their tensor,
// where it is relative to that thousandth (so near-cancellations are not judged relatively).
// Measured worst cases: exact constants 3e-16, f32 constants 7.6e-6 (Adam's p at step 1),
// ONNX Runtime 7e-6 (AdamW's m at step 2, where 0.9 m and 0.1 g nearly cancel).
// (adamp_channels_last_3d uses seed 36: with seed 35 one element of p nearly cancelled to 1.4e-3 of
// the largest, just above that floor, and ONNX Runtime differed there by 1.5e-5 relative.)

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CompiledGraph } from "../../compiler/compile.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { GraphSession, type HostTensor } from "../../runtime/onnx.js";
import { compileOk } from "../compiled.js";
import { runExact } from "../exact.js";

const EXACT_TOL = 1e-10;
const STORED_TOL = 2e-5;
const ORT_TOL = 1e-5;
const ORTHOGONAL_TOL = 1e-5;

type Flat = number[];
type Hyper = Record<string, number | boolean>;

/** Hyper-parameters of type int (JSON does not tell 0 from 0.0). */
const INT_HYPER = new Set(["channel_axis"]);

interface OptimizerCase {
  readonly name: string;
  readonly kind: "optimizer";
  readonly optimizer: "sgd" | "adam" | "adamw" | "adamp" | "sgdp";
  readonly reference: string;
  /** Hyper-parameters given to the module (the others keep their defaults). */
  readonly args: Hyper;
  /** Every hyper-parameter, defaults included, as the reference used them. */
  readonly hyper: Hyper;
  readonly shape: number[];
  readonly p0: Flat;
  readonly state0: Flat[];
  readonly grads: Flat[];
  readonly steps: { readonly p: Flat; readonly state: Flat[]; readonly projection: "channel" | "layer" | "none" }[];
}

interface ClipCase {
  readonly name: string;
  readonly kind: "clip";
  readonly max_norm: number;
  readonly total_norm: number;
  readonly clipped: boolean;
  readonly shapes: number[][];
  readonly inputs: Flat[];
  readonly outputs: Flat[];
}

interface EmaCase {
  readonly name: string;
  readonly kind: "ema";
  readonly decay: number;
  readonly shape: number[];
  readonly average0: Flat;
  readonly ps: Flat[];
  readonly averages: Flat[];
}

interface Fixtures {
  readonly generator: string;
  readonly torch: string;
  readonly cases: (OptimizerCase | ClipCase | EmaCase)[];
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures.json"), "utf8")) as Fixtures;
const optimizerCases = fixtures.cases.filter((c): c is OptimizerCase => c.kind === "optimizer");
const clipCases = fixtures.cases.filter((c): c is ClipCase => c.kind === "clip");
const emaCases = fixtures.cases.filter((c): c is EmaCase => c.kind === "ema");

// ---- helpers

/** A .flow literal: floats always with a `.` or an exponent, so they never read as ints. */
function literal(v: number | boolean, int = false): string {
  if (typeof v === "boolean" || int) return String(v);
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function tensorType(shape: readonly number[]): string {
  return shape.length ? `f32[${shape.join(", ")}]` : "f32";
}

function compileSpec(name: string, text: string): Map<string, CompiledGraph> {
  const result = compileOk({ entry: `test/optim/${name}.flow`, text });
  return new Map(result.graphs.map((g) => [g.fn, g]));
}

function f64(shape: readonly number[], data: ArrayLike<number>): NDArray {
  return { dtype: "f32", shape: [...shape], data: Float64Array.from(data) };
}

function f32(a: NDArray): HostTensor {
  return { dtype: "f32", shape: [...a.shape], data: Float32Array.from(a.data) };
}

function fromHost(t: HostTensor | NDArray): NDArray {
  return { dtype: t.dtype, shape: [...t.shape], data: Float64Array.from(t.data) };
}

/** Largest error in units of the tolerance's scale (see the criterion at the top); <= tol passes. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-3 * scale, 1e-12));
  return worst;
}

function expectClose(a: NDArray | HostTensor, b: { shape: readonly number[]; data: ArrayLike<number> }, tol: number, what: string): void {
  expect(a.shape, `${what}: shape`).toEqual([...b.shape]);
  expect(a.data.length, `${what}: size`).toBe(b.data.length);
  const err = relativeError(a.data, b.data);
  expect(err, `${what}: relative error ${err.toExponential(2)} > ${tol}`).toBeLessThanOrEqual(tol);
}

/** Feeds by input name: every graph input must be given (hyper-parameters included). */
function feedsFor(graph: Graph, values: Record<string, NDArray>): Record<string, NDArray> {
  const out: Record<string, NDArray> = {};
  for (const input of graph.inputs) {
    const v = values[input.name];
    if (!v) throw new Error(`no feed for input '${input.name}' (${input.role}) of ${graph.name}`);
    out[input.name] = v;
  }
  return out;
}

async function runOrt(compiled: CompiledGraph, feeds: Record<string, NDArray>): Promise<Record<string, HostTensor>> {
  const session = await GraphSession.create(compiled.onnx!);
  try {
    return await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, f32(v)])));
  } finally {
    await session.release();
  }
}

/**
 * The flat indices of each channel of a row-major tensor of `shape`: the slices along `axis`
 * (negative counts from the end); `axis` null: the whole tensor as one channel.
 */
function channels(shape: readonly number[], axis: number | null): number[][] {
  const size = shape.reduce((a, b) => a * b, 1);
  if (axis === null) return [Array.from({ length: size }, (_, i) => i)];
  const a = axis < 0 ? axis + shape.length : axis;
  const inner = shape.slice(a + 1).reduce((x, y) => x * y, 1);
  const out: number[][] = Array.from({ length: shape[a]! }, () => []);
  for (let i = 0; i < size; i++) out[Math.floor(i / inner) % shape[a]!]!.push(i);
  return out;
}

/** |cos| between a and p on each channel. */
function channelCosines(a: ArrayLike<number>, p: ArrayLike<number>, groups: number[][]): number[] {
  return groups.map((indices) => {
    let dot = 0;
    let na = 0;
    let np = 0;
    for (const j of indices) {
      dot += a[j]! * p[j]!;
      na += a[j]! ** 2;
      np += p[j]! ** 2;
    }
    return Math.abs(dot) / Math.sqrt(na * np);
  });
}

// ---- optimizers

/** State leaves of each optimizer, their graph input names, and the spec of its step function. */
function optimizerSpec(c: OptimizerCase): { text: string; stateInputs: string[]; stepOutputs: string[]; initOutputs: string[] } {
  const t = tensorType(c.shape);
  const args = Object.entries(c.args)
    .map(([k, v]) => `${k}: ${literal(v, INT_HYPER.has(k))}`)
    .join(", ");
  const momentumLike = c.optimizer === "sgd" || c.optimizer === "sgdp";
  const step = momentumLike
    ? `fn step(p: ${t}, g: ${t}, buf: ${t}, k: f32) -> (${t}, ${t}) = o.update(p, g, buf, k)`
    : `fn step(p: ${t}, g: ${t}, m: ${t}, v: ${t}, k: f32) -> (${t}, (${t}, ${t})) = o.update(p, g, (m, v), k)`;
  const init = momentumLike ? `fn init(p: ${t}) -> ${t} = o.init(p)` : `fn init(p: ${t}) -> (${t}, ${t}) = o.init(p)`;
  const text = [`use std.optim.${c.optimizer}`, `model t {`, `  o = ${c.optimizer}(${args})`, `  ${step}`, `  ${init}`, `}`, ``].join("\n");
  return momentumLike
    ? { text, stateInputs: ["buf"], stepOutputs: ["output.0", "output.1"], initOutputs: ["output"] }
    : { text, stateInputs: ["m", "v"], stepOutputs: ["output.0", "output.1.0", "output.1.1"], initOutputs: ["output.0", "output.1"] };
}

/** The factor weight decay multiplied p by on a step (1 when there is none); `ratio` is AdamP's r. */
function decayFactor(c: OptimizerCase, ratio: number): number {
  const wd = c.hyper["weight_decay"] as number;
  const lr = c.hyper["lr"] as number;
  if (!(wd > 0)) return 1;
  if (c.optimizer === "sgdp") return 1 - (lr * wd * ratio) / (1 - (c.hyper["momentum"] as number));
  return 1 - lr * wd * ratio;
}

/** Runs a graph in the interpreter: as compiled (f32 constants rounded), or with exact constants. */
type Interpreter = (feeds: Record<string, NDArray>) => Record<string, NDArray>;

function interpreters(graph: Graph): { stored: Interpreter; exact: Interpreter } {
  // The same graph with every f32 constant fed as its float64 value (test/exact.ts); a graph
  // without f32 constants (plain SGD) is already exact.
  return {
    stored: (feeds) => interpret(graph, feedsFor(graph, feeds)),
    exact: (feeds) => runExact(graph, feedsFor(graph, feeds)),
  };
}

interface Point {
  readonly p: NDArray;
  readonly state: NDArray[];
}

describe(`std/optim.flow optimizers match ${fixtures.generator} (torch ${fixtures.torch})`, () => {
  for (const c of optimizerCases) {
    it(`${c.name} (${c.reference})`, async () => {
      const spec = optimizerSpec(c);
      const graphs = compileSpec(c.name, spec.text);
      const stepGraph = graphs.get("step")!;
      const initGraph = graphs.get("init")!;
      expect(stepGraph.graph.outputs.map((o) => o.name)).toEqual(spec.stepOutputs);

      // lr is a run-time hyper-parameter: an input `o.lr` with its default.
      const lrInput = stepGraph.graph.inputs.find((i) => i.role === "hyper");
      expect(lrInput?.name).toBe("o.lr");
      expect(lrInput?.default).toBeCloseTo(c.hyper["lr"] as number, 12);
      const lr = f64([], [c.hyper["lr"] as number]);

      // init: zeros shaped like p, in the interpreter and in ONNX Runtime
      const p0 = f64(c.shape, c.p0);
      const initRef = interpret(initGraph.graph, { p: p0 });
      const initOrt = await runOrt(initGraph, { p: p0 });
      expect(Object.keys(initRef).sort()).toEqual([...spec.initOutputs].sort());
      expect(Object.keys(initOrt).sort()).toEqual([...spec.initOutputs].sort());
      spec.initOutputs.forEach((name, i) => {
        for (const got of [initRef[name]!, initOrt[name]!]) {
          expect(got.shape, `init ${name}`).toEqual(c.shape);
          expect(Array.from(got.data), `init ${name}`).toEqual(c.state0[i]);
        }
      });

      // the steps, each trajectory feeding its own outputs back
      const run = interpreters(stepGraph.graph);
      const start: Point = { p: p0, state: c.state0.map((s) => f64(c.shape, s)) };
      let exact = start;
      let stored = start;
      let ort = start;
      const session = await GraphSession.create(stepGraph.onnx!);
      try {
        for (const [k, expected] of c.steps.entries()) {
          const at = `${c.name} step ${k + 1}`;
          const g = f64(c.shape, c.grads[k]!);
          const feeds = (s: Point): Record<string, NDArray> => ({
            p: s.p,
            g,
            k: f64([], [k + 1]),
            "o.lr": lr,
            ...Object.fromEntries(spec.stateInputs.map((n, i) => [n, s.state[i]!])),
          });
          const point = (out: Record<string, NDArray | HostTensor>): Point => ({
            p: fromHost(out[spec.stepOutputs[0]!]!),
            state: spec.stepOutputs.slice(1).map((n) => fromHost(out[n]!)),
          });
          const want: Point = { p: f64(c.shape, expected.p), state: expected.state.map((s) => f64(c.shape, s)) };
          const compare = (got: Point, ref: Point, tol: number, what: string): void => {
            expectClose(got.p, ref.p, tol, `${at}: p, ${what}`);
            got.state.forEach((s, i) => expectClose(s, ref.state[i]!, tol, `${at}: state ${spec.stateInputs[i]}, ${what}`));
          };

          const exactNext = point(run.exact(feeds(exact)));
          compare(exactNext, want, EXACT_TOL, "interpreter (exact constants) vs fixture");
          const storedNext = point(run.stored(feeds(stored)));
          compare(storedNext, want, STORED_TOL, "interpreter (f32 constants) vs fixture");
          const ortFeeds = feedsFor(stepGraph.graph, feeds(ort));
          const ortNext = point(await session.run(Object.fromEntries(Object.entries(ortFeeds).map(([n, v]) => [n, f32(v)]))));
          compare(ortNext, storedNext, ORT_TOL, "ONNX Runtime vs interpreter");

          // Where the projection fired, the update without weight decay has no component along p.
          if (expected.projection !== "none") {
            const factor = decayFactor(c, c.hyper["wd_ratio"] as number);
            const delta = exactNext.p.data.map((v, i) => v - exact.p.data[i]! * factor);
            const groups = channels(c.shape, expected.projection === "channel" ? (c.hyper["channel_axis"] as number) : null);
            const cosines = channelCosines(delta, exact.p.data, groups);
            expect(Math.max(...cosines), `${at}: |cos(update, p)| per ${expected.projection} row`).toBeLessThan(ORTHOGONAL_TOL);
          }
          exact = exactNext;
          stored = storedNext;
          ort = ortNext;
        }
      } finally {
        await session.release();
      }
    });
  }
});

// ---- clipping and EMA

describe("clip_by_global_norm and ema_update match the reference", () => {
  for (const c of clipCases) {
    it(`${c.name} (total norm ${c.total_norm.toFixed(3)}, max_norm ${c.max_norm}: ${c.clipped ? "clipped" : "unchanged"})`, async () => {
      const [a, b] = c.shapes as [number[], number[]];
      const text = [
        "use std.optim.clip_by_global_norm",
        "model t {",
        `  fn clip(a: ${tensorType(a)}, b: ${tensorType(b)}) -> (${tensorType(a)}, ${tensorType(b)}) {`,
        `    let clipped = clip_by_global_norm([a, b], ${literal(c.max_norm)})`,
        "    (clipped[0], clipped[1])",
        "  }",
        "}",
        "",
      ].join("\n");
      const clip = compileSpec(c.name, text).get("clip")!;
      const run = interpreters(clip.graph);
      const feeds = { a: f64(a, c.inputs[0]!), b: f64(b, c.inputs[1]!) };
      const exact = run.exact(feeds);
      const stored = run.stored(feeds);
      const ort = await runOrt(clip, feeds);
      ["output.0", "output.1"].forEach((name, i) => {
        const expected = f64(c.shapes[i]!, c.outputs[i]!);
        expectClose(exact[name]!, expected, EXACT_TOL, `${c.name} ${name}, interpreter (exact constants) vs fixture`);
        expectClose(stored[name]!, expected, STORED_TOL, `${c.name} ${name}, interpreter (f32 constants) vs fixture`);
        expectClose(ort[name]!, stored[name]!, ORT_TOL, `${c.name} ${name}, ONNX Runtime vs interpreter`);
      });
      // below the threshold the gradients pass through unchanged (up to the 1e-6 in the divisor)
      if (!c.clipped) c.inputs.forEach((x, i) => expect(relativeError(exact[`output.${i}`]!.data, x)).toBeLessThanOrEqual(EXACT_TOL));
    });
  }

  for (const c of emaCases) {
    it(`${c.name} (decay ${c.decay})`, async () => {
      const t = tensorType(c.shape);
      const text = [
        "use std.optim.ema_update",
        "model t {",
        `  fn ema(average: ${t}, p: ${t}) -> ${t} = ema_update(average, p, ${literal(c.decay)})`,
        "}",
        "",
      ].join("\n");
      const ema = compileSpec(c.name, text).get("ema")!;
      const run = interpreters(ema.graph);
      let exact = f64(c.shape, c.average0);
      let stored = exact;
      let ort = exact;
      const session = await GraphSession.create(ema.onnx!);
      try {
        for (const [k, p] of c.ps.entries()) {
          const at = `${c.name} step ${k + 1}`;
          const want = f64(c.shape, c.averages[k]!);
          const exactNext = run.exact({ average: exact, p: f64(c.shape, p) })["output"]!;
          expectClose(exactNext, want, EXACT_TOL, `${at}, interpreter (exact constants) vs fixture`);
          const storedNext = run.stored({ average: stored, p: f64(c.shape, p) })["output"]!;
          expectClose(storedNext, want, STORED_TOL, `${at}, interpreter (f32 constants) vs fixture`);
          const ortNext = fromHost((await session.run({ average: f32(ort), p: f32(f64(c.shape, p)) }))["output"]!);
          expectClose(ortNext, storedNext, ORT_TOL, `${at}, ONNX Runtime vs interpreter`);
          exact = exactNext;
          stored = storedNext;
          ort = ortNext;
        }
      } finally {
        await session.release();
      }
    });
  }
});
