// Second derivatives: derivative graphs are ordinary IR, so they can be differentiated again.
// For y = f(x…) and fixed random weights c, with g = ∇ sum(c·y):
//
//   grad of grad          ∇ <g, v> = H·v                  vs  (g(x + εv) - g(x - εv)) / 2ε
//   forward over reverse  JVP of g along v = H·v          vs  the same differences
//   reverse over forward  ∇ sum(c · JVP(f)(x; v))         vs  central differences of that
//                         (what MeanFlow's loss needs)        scalar, one input element at a time
//
// Tolerance: |derivative - fd| / (1 + |fd|) <= 1e-6 with ε = 1e-6 (float64 interpreter).

import { describe, expect, it } from "vitest";
import { grad } from "../../compiler/ad/grad.js";
import { jvp } from "../../compiler/ad/jvp.js";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst } from "../../compiler/ir/dims.js";
import type { Graph, ValueId } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import { concreteShape, tensorType } from "../../compiler/ir/types.js";
import { gen, seededRandom, type Gen } from "../ir/harness.js";
import { centralDifference, randomArray, relativeError } from "./harness.js";

interface SecondOrderCase {
  readonly name: string;
  readonly inputs: readonly { readonly shape: readonly number[]; readonly gen?: Gen }[];
  readonly f: (b: GraphBuilder, xs: readonly ValueId[]) => ValueId;
}

const scalar = (b: GraphBuilder, v: number) => b.emit1("constant", [], { value: Float64Array.of(v), shape: [], dtype: "f32" });

const CASES: readonly SecondOrderCase[] = [
  { name: "tanh", inputs: [{ shape: [2, 3], gen: gen.uniform(-2, 2) }], f: (b, [x]) => b.emit1("tanh", [x!]) },
  { name: "exp", inputs: [{ shape: [3] }], f: (b, [x]) => b.emit1("exp", [x!]) },
  { name: "mul (broadcasting)", inputs: [{ shape: [2, 3] }, { shape: [3] }], f: (b, [x, w]) => b.emit1("mul", [x!, w!]) },
  { name: "matmul", inputs: [{ shape: [2, 3] }, { shape: [3, 2] }], f: (b, [x, w]) => b.emit1("matmul", [x!, w!]) },
  { name: "softmax", inputs: [{ shape: [2, 4] }], f: (b, [x]) => b.emit1("softmax", [x!], { axis: -1 }) },
  { name: "log_softmax", inputs: [{ shape: [2, 4] }], f: (b, [x]) => b.emit1("log_softmax", [x!], { axis: 1 }) },
  {
    name: "sigmoid as 1 / (1 + exp(-x))",
    inputs: [{ shape: [4] }],
    f: (b, [x]) => b.emit1("div", [scalar(b, 1), b.emit1("add", [scalar(b, 1), b.emit1("exp", [b.emit1("neg", [x!])])])]),
  },
  {
    name: "pow (both operands)",
    inputs: [{ shape: [3], gen: gen.positive }, { shape: [3], gen: gen.uniform(-2, 2) }],
    f: (b, [a, e]) => b.emit1("pow", [a!, e!]),
  },
  {
    name: "normalization (mean, variance, sqrt, div)",
    inputs: [{ shape: [2, 4] }],
    f(b, [x]) {
      const mean = b.emit1("reduce_mean", [x!], { axes: [1], keepdims: true });
      const centered = b.emit1("sub", [x!, mean]);
      const variance = b.emit1("reduce_mean", [b.emit1("mul", [centered, centered])], { axes: [1], keepdims: true });
      return b.emit1("div", [centered, b.emit1("sqrt", [b.emit1("add", [variance, scalar(b, 1e-3)])])]);
    },
  },
];

type Mode = "grad of grad" | "forward over reverse" | "reverse over forward";

/**
 * Inputs x<i>, v<i> (a direction), c (weights of y). Outputs g<i> = ∇ sum(c·y) and, by mode, h<i>
 * (H·v) or, for reverse over forward, s = sum(c · JVP) and r<i> = ∇s.
 */
function buildGraph(c: SecondOrderCase, mode: Mode): Graph {
  const b = new GraphBuilder("second_order");
  const xs = c.inputs.map((s, i) => b.input(`x${i}`, tensorType("f32", s.shape.map(dimConst)), "param"));
  const vs = xs.map((x, i) => b.input(`v${i}`, b.typeOf(x), "input"));
  const start = b.nodeCount;
  const y = c.f(b, xs);
  const primal = b.nodesFrom(start);
  const weights = b.input("c", b.typeOf(y), "input");
  const weightedSum = (v: ValueId) => {
    const product = b.emit1("mul", [weights, v]);
    return b.emit1("reduce_sum", [product], { axes: b.typeOf(product).shape.map((_, i) => i), keepdims: false });
  };
  if (mode === "reverse over forward") {
    const dy = jvp(b, primal, new Map(xs.map((x, i) => [x, vs[i]!]))).get(y)!;
    const s = weightedSum(dy);
    b.output("s", s);
    grad(b, b.nodesFrom(start), s, xs).forEach((r, i) => b.output(`r${i}`, r));
    return b.finish();
  }
  const loss = weightedSum(y); // emitted before the node range is taken
  const gs = grad(b, b.nodesFrom(start), loss, xs);
  gs.forEach((g, i) => b.output(`g${i}`, g));
  const firstOrder = b.nodesFrom(start);
  if (mode === "grad of grad") {
    const inner = gs.map((g, i) => {
      const product = b.emit1("mul", [g, vs[i]!]);
      return b.emit1("reduce_sum", [product], { axes: b.typeOf(product).shape.map((_, k) => k), keepdims: false });
    });
    const s = inner.reduce((acc, v) => b.emit1("add", [acc, v]));
    grad(b, b.nodesFrom(start), s, xs).forEach((h, i) => b.output(`h${i}`, h));
  } else {
    const tangents = jvp(b, firstOrder, new Map(xs.map((x, i) => [x, vs[i]!])));
    gs.forEach((g, i) => b.output(`h${i}`, tangents.get(g)!));
  }
  return b.finish();
}

function feedsFor(c: SecondOrderCase, graph: Graph, seed: number): Record<string, NDArray> {
  const random = seededRandom(seed);
  const feeds: Record<string, NDArray> = {};
  c.inputs.forEach((s, i) => {
    const x = makeArray("f32", s.shape);
    for (let k = 0; k < x.data.length; k++) x.data[k] = (s.gen ?? gen.normal)(random);
    feeds[`x${i}`] = x;
    feeds[`v${i}`] = randomArray(s.shape, random);
  });
  const weights = graph.inputs.find((i) => i.name === "c")!;
  feeds["c"] = randomArray(concreteShape(graph.values[weights.value]!.shape)!, random);
  return feeds;
}

describe("second derivatives", () => {
  CASES.forEach((c, index) => {
    describe(c.name, () => {
      for (const mode of ["grad of grad", "forward over reverse"] as const)
        it(`${mode}: H·v matches differences of the gradient`, () => {
          const graph = buildGraph(c, mode);
          const feeds = feedsFor(c, graph, 4000 + index);
          const run = (f: Record<string, NDArray>) => interpret(graph, f);
          const result = run(feeds);
          const direction = Object.fromEntries(c.inputs.map((_, i) => [`x${i}`, feeds[`v${i}`]!]));
          const fd = centralDifference(run, feeds, direction, c.inputs.map((_, i) => `g${i}`));
          c.inputs.forEach((_, i) => expect(relativeError(result[`h${i}`]!.data, fd[`g${i}`]!), `x${i}`).toBeLessThan(1e-6));
          // Guards against a vacuous pass (a gradient that is identically zero).
          expect(Math.max(...c.inputs.flatMap((_, i) => Array.from(fd[`g${i}`]!, Math.abs)))).toBeGreaterThan(1e-3);
        });

      it("reverse over forward: the gradient of a JVP matches central differences", () => {
        const graph = buildGraph(c, "reverse over forward");
        const feeds = feedsFor(c, graph, 5000 + index);
        const run = (f: Record<string, NDArray>) => interpret(graph, f);
        const result = run(feeds);
        c.inputs.forEach((s, i) => {
          const fd = new Float64Array(feeds[`x${i}`]!.data.length);
          for (let p = 0; p < fd.length; p++) {
            const unit = makeArray("f32", s.shape);
            unit.data[p] = 1;
            fd[p] = centralDifference(run, feeds, { [`x${i}`]: unit }, ["s"])["s"]![0]!;
          }
          expect(relativeError(result[`r${i}`]!.data, fd), `x${i}`).toBeLessThan(1e-6);
        });
        expect(Math.max(...c.inputs.flatMap((_, i) => Array.from(result[`r${i}`]!.data, Math.abs)))).toBeGreaterThan(1e-3);
      });
    });
  });
});
