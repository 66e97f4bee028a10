// Helpers for the optimizer tests: small graph construction, running every pass with the verifier,
// and comparing interpreter results.

import { expect } from "vitest";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst, dimSym, type Dim } from "../../compiler/ir/dims.js";
import type { Graph, ValueId } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import { printGraph } from "../../compiler/ir/print.js";
import { tensorType, type DType } from "../../compiler/ir/types.js";
import { verifyGraph } from "../../compiler/ir/verify.js";
import type { Pass } from "../../compiler/passes/index.js";
import type { Span } from "../../compiler/source.js";

export const dims = (...ds: (number | string)[]): Dim[] => ds.map((d) => (typeof d === "number" ? dimConst(d) : dimSym(d)));

export function constant(b: GraphBuilder, values: readonly number[], dtype: DType = "f32", shape: readonly number[] = values.length === 1 ? [] : [values.length], span?: Span): ValueId {
  return b.emit1("constant", [], { value: Float64Array.from(values), shape: [...shape], dtype }, span);
}

export function input(b: GraphBuilder, name: string, dtype: DType, ...shape: (number | string)[]): ValueId {
  return b.input(name, tensorType(dtype, dims(...shape)), "input");
}

export function span(line: number): Span {
  return { file: "t.flow", start: 0, end: 1, line, column: 1, endLine: line, endColumn: 2 };
}

/** Runs a pass, checks it left its argument untouched and produced a well-formed graph. */
export function runPass(pass: Pass, graph: Graph): Graph {
  const before = printGraph(graph);
  const out = pass(graph);
  expect(printGraph(graph)).toBe(before);
  expect(verifyGraph(out)).toEqual([]);
  return out;
}

export function ops(graph: Graph): string[] {
  return graph.nodes.map((n) => n.op);
}

export function array(dtype: DType, shape: readonly number[], data: readonly number[]): NDArray {
  return makeArray(dtype, shape, data);
}

/** Both graphs on the same feeds; outputs must agree bit for bit (Object.is per element: -0 and NaN included). */
export function expectSameOutputs(a: Graph, b: Graph, feeds: Record<string, NDArray>, sizes?: Record<string, number>): void {
  const ra = interpret(a, feeds, { sizes });
  const rb = interpret(b, feeds, { sizes });
  for (const o of a.outputs) {
    const x = ra[o.name]!;
    const y = rb[o.name]!;
    expect(y.dtype, o.name).toBe(x.dtype);
    expect(y.shape, o.name).toEqual(x.shape);
    for (let i = 0; i < x.data.length; i++) expect(Object.is(x.data[i], y.data[i]), `${o.name}[${i}]: ${x.data[i]} vs ${y.data[i]}`).toBe(true);
  }
}
