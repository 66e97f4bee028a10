// Helpers of the tests that compare with float64 formulas (std-flow, optimizers): graphs run in the
// float64 reference interpreter with every f32 constant fed as an exact float64 input.

import { expect } from "vitest";
import type { CompileResult } from "../compiler/compile.js";
import type { Graph, GraphInput, Node } from "../compiler/ir/graph.js";
import { interpret } from "../compiler/ir/interpret.js";
import type { NDArray } from "../compiler/ir/ndarray.js";

/** Runs `graph` in the interpreter with every f32 constant replaced by an input fed its float64 value. */
export function runExact(graph: Graph, feeds: Record<string, NDArray>): Record<string, NDArray> {
  const nodes: Node[] = [];
  const inputs: GraphInput[] = [...graph.inputs];
  const constants: Record<string, NDArray> = {};
  for (const node of graph.nodes) {
    const value = node.attrs["value"];
    const shape = node.attrs["shape"];
    if (node.op === "constant" && graph.values[node.outputs[0]!]!.dtype === "f32" && value instanceof Float64Array && Array.isArray(shape)) {
      const name = `exact.constant.${node.outputs[0]}`;
      inputs.push({ name, value: node.outputs[0]!, role: "input" });
      constants[name] = {
        dtype: "f32",
        shape: [...(shape as number[])],
        data: Float64Array.from(value),
      };
    } else nodes.push(node);
  }
  return interpret({ ...graph, nodes, inputs }, { ...feeds, ...constants });
}

export function graphOf(result: CompileResult, fn: string): Graph {
  const found = result.graphs.find((g) => g.fn === fn);
  if (!found) throw new Error(`no graph ${fn}`);
  return found.graph;
}

export const array = (shape: number[], data: ArrayLike<number>): NDArray => ({
  dtype: "f32",
  shape,
  data: Float64Array.from(data),
});

/** |actual − expected| ≤ tol · max(floor, |expected|), element by element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string, floor = 1): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(floor, Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * scale)) throw new Error(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
  }
}
