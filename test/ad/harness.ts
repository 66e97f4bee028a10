// Test harness for autodiff: one-primitive graphs with their JVP and VJP emitted beside them,
// random directions, finite differences and comparisons on the float64 reference interpreter.
//
// Graph layout of a derivative case (node inputs in0, in1, … as in test/ir/harness.ts):
//   inputs   in<i>, ctx<i>           the primal inputs (and context inputs carrying sizes)
//            t_in<i>                 a tangent for each f32 node input
//            c_out<j>                a cotangent for each f32 node output
//   outputs  out<j>                  the primal outputs
//            jvp_out<j>              the tangent of out<j> (zeros when symbolic zero)
//            vjp_in<i>               the cotangent of in<i> (zeros when symbolic zero)

import { DerivativeContext } from "../../compiler/ad/context.js";
import { jvp } from "../../compiler/ad/jvp.js";
import { vjp } from "../../compiler/ad/vjp.js";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import type { Graph, ValueId } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import { tensorType } from "../../compiler/ir/types.js";
import { caseFeeds, dimsOf, evaluateShape, gen, seededRandom, type PrimitiveCase } from "../ir/harness.js";

export interface DerivativeCase {
  readonly source: PrimitiveCase;
  readonly graph: Graph;
  /** Indices of the node inputs that carry derivatives (f32). */
  readonly diffInputs: readonly number[];
  /** Indices of the node outputs that carry derivatives (f32). */
  readonly diffOutputs: readonly number[];
}

export function derivativeCase(c: PrimitiveCase): DerivativeCase {
  const b = new GraphBuilder(`ad_${c.op}`);
  const ins = c.inputs.map((s, i) => b.input(`in${i}`, tensorType(s.dtype, dimsOf(s.shape)), "input"));
  (c.context ?? []).forEach((s, i) => b.input(`ctx${i}`, tensorType(s.dtype, dimsOf(s.shape)), "input"));
  const start = b.nodeCount;
  const outs = b.emit(c.op, ins, c.attrs ?? {});
  const nodes = b.nodesFrom(start);
  outs.forEach((v, j) => b.output(`out${j}`, v));

  const diffInputs = c.inputs.flatMap((s, i) => (s.dtype === "f32" ? [i] : []));
  const diffOutputs = outs.flatMap((v, j) => (b.typeOf(v).dtype === "f32" ? [j] : []));
  const zeros = new DerivativeContext(b);
  const orZeros = (t: ValueId | undefined, like: ValueId) => t ?? zeros.zeros(b.typeOf(like).shape);

  const tangents = new Map(diffInputs.map((i) => [ins[i]!, b.input(`t_in${i}`, b.typeOf(ins[i]!), "input")]));
  const forward = jvp(b, nodes, tangents);
  for (const j of diffOutputs) b.output(`jvp_out${j}`, orZeros(forward.get(outs[j]!), outs[j]!));

  const cotangents = new Map(diffOutputs.map((j) => [outs[j]!, b.input(`c_out${j}`, b.typeOf(outs[j]!), "input")]));
  const backward = vjp(b, nodes, cotangents, { wrt: diffInputs.map((i) => ins[i]!) });
  for (const i of diffInputs) b.output(`vjp_in${i}`, orZeros(backward.get(ins[i]!), ins[i]!));
  return { source: c, graph: b.finish(), diffInputs, diffOutputs };
}

// --- feeds ----------------------------------------------------------------------------------------

/** Standard-normal values rounded to float32 (so ONNX Runtime sees exactly the same numbers). */
export function randomArray(shape: readonly number[], random: () => number): NDArray {
  const a = makeArray("f32", shape);
  for (let i = 0; i < a.data.length; i++) a.data[i] = Math.fround(gen.normal(random));
  return a;
}

/** Primal feeds from the case's generators plus random tangents and cotangents. */
export function derivativeFeeds(d: DerivativeCase, seed: number): Record<string, NDArray> {
  const feeds = caseFeeds(d.source, seed);
  const random = seededRandom(seed + 7919);
  const sizes = d.source.sizes ?? {};
  for (const i of d.diffInputs) feeds[`t_in${i}`] = randomArray(feeds[`in${i}`]!.shape, random);
  for (const j of d.diffOutputs) {
    const out = d.graph.outputs.find((o) => o.name === `out${j}`)!;
    feeds[`c_out${j}`] = randomArray(evaluateShape(d.graph.values[out.value]!.shape, sizes), random);
  }
  return feeds;
}

export function run(d: DerivativeCase, feeds: Record<string, NDArray>): Record<string, NDArray> {
  return interpret(d.graph, feeds, { sizes: d.source.sizes });
}

// --- numerics ---------------------------------------------------------------------------------------

export const FD_EPS = 1e-6;

/** x + s·t elementwise (a new array). */
export function axpy(x: NDArray, s: number, t: NDArray): NDArray {
  return { ...x, shape: [...x.shape], data: x.data.map((v, i) => v + s * t.data[i]!) };
}

export function dot(a: NDArray, b: NDArray): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

/** Central difference of `f` along `direction` of the named feeds: (f(x + εt) - f(x - εt)) / 2ε, per output. */
export function centralDifference(
  f: (feeds: Record<string, NDArray>) => Record<string, NDArray>,
  feeds: Record<string, NDArray>,
  direction: Readonly<Record<string, NDArray>>,
  outputs: readonly string[],
  eps = FD_EPS,
): Record<string, Float64Array> {
  const shifted = (s: number) => {
    const f2 = { ...feeds };
    for (const [name, t] of Object.entries(direction)) f2[name] = axpy(feeds[name]!, s * eps, t);
    return f(f2);
  };
  const plus = shifted(1);
  const minus = shifted(-1);
  const out: Record<string, Float64Array> = {};
  for (const name of outputs) out[name] = plus[name]!.data.map((p, i) => (p - minus[name]!.data[i]!) / (2 * eps));
  return out;
}

/** The largest |actual - expected| / (1 + |expected|), elementwise: the tests' error measure. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!));
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}
