// verifyGraph catches malformed graphs; printGraph gives stable readable text.

import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst, dimSym } from "../../compiler/ir/dims.js";
import type { Graph, Node } from "../../compiler/ir/graph.js";
import { printGraph } from "../../compiler/ir/print.js";
import { tensorType } from "../../compiler/ir/types.js";
import { verifyGraph } from "../../compiler/ir/verify.js";
import { mlpGraph } from "./fixtures.js";

function withNodes(graph: Graph, edit: (nodes: Node[]) => Node[]): Graph {
  return { ...graph, nodes: edit([...graph.nodes]) };
}

describe("verifyGraph", () => {
  const graph = mlpGraph();

  it("accepts graphs built by GraphBuilder", () => {
    expect(verifyGraph(graph)).toEqual([]);
  });

  it("reports a node that reads a value before it is defined", () => {
    const swapped = withNodes(graph, (ns) => [ns[1]!, ns[0]!, ...ns.slice(2)].map((n, i) => ({ ...n, id: i })));
    expect(verifyGraph(swapped).some((p) => p.includes("before it is defined"))).toBe(true);
  });

  it("reports recorded types the shape rule does not reproduce", () => {
    const values = [...graph.values];
    values[graph.nodes[2]!.outputs[0]!] = tensorType("f32", [dimSym("B"), dimConst(5)]);
    expect(verifyGraph({ ...graph, values })).toEqual([
      "node 2 (tanh): %7 is recorded as f32[B, 5] but its shape rule gives f32[B, 4]",
      "node 3 (matmul): shape rule rejects its inputs: matmul inner dimensions differ: f32[B, 5] @ f32[4, 2] (5 vs 4)",
    ]);
  });

  it("reports unknown ops, double definitions, and undefined outputs", () => {
    const broken = withNodes(graph, (ns) => [{ ...ns[0]!, op: "frobnicate" }, { ...ns[1]!, outputs: ns[0]!.outputs }, ...ns.slice(2)]);
    const problems = verifyGraph({ ...broken, outputs: [...graph.outputs, { name: "z", value: 99, role: "output" }] });
    expect(problems).toContain("node 0 (frobnicate): unknown primitive 'frobnicate'");
    expect(problems).toContain("%5 is defined twice (again by node 1 (add))");
    expect(problems).toContain("output 'z' reads %99, which is never defined");
    expect(problems).toContain("%6 is never defined");
  });
});

describe("printGraph", () => {
  it("prints SSA text with types, roles, attributes and source locations", () => {
    expect(printGraph(mlpGraph())).toBe(
      [
        "graph mlp",
        "  %0: f32[B, 3] = input x",
        "  %1: f32[3, 4] = param w1 (initial)",
        "  %2: f32[4] = param b1 (initial)",
        "  %3: f32[4, 2] = param w2 (initial)",
        "  %4: f32[2] = param b2 (initial)",
        "  %5: f32[B, 4] = matmul(%0, %1)  # mlp.flow:2:12",
        "  %6: f32[B, 4] = add(%5, %2)  # mlp.flow:2:19",
        "  %7: f32[B, 4] = tanh(%6)  # mlp.flow:2:7",
        "  %8: f32[B, 2] = matmul(%7, %3)  # mlp.flow:3:3",
        "  %9: f32[B, 2] = add(%8, %4)  # mlp.flow:3:10",
        "  output y = %9",
        "",
      ].join("\n"),
    );
  });

  it("prints attributes compactly, multiple outputs, and noise inputs", () => {
    const b = new GraphBuilder("g");
    const x = b.input("x", tensorType("f32", [dimSym("B"), dimConst(5)]), "noise", { noise: { distribution: "normal", args: { mean: 0, std: 1 } } });
    const [v, i] = b.emit("topk", [x], { k: 2, axis: 1, largest: true });
    b.output("v", v!);
    b.output("i", i!, "metric");
    b.output("r", b.emit1("reshape", [v!], { shape: [dimSym("B"), dimConst(2), dimConst(1)] }));
    b.output("c", b.emit1("constant", [], { value: Float64Array.of(1, 2), shape: [2], dtype: "f32" }));
    expect(printGraph(b.finish())).toBe(
      [
        "graph g",
        "  %0: f32[B, 5] = noise x ~ normal(mean=0, std=1)",
        "  %1: f32[B, 2], %2: i32[B, 2] = topk(%0) {k=2, axis=1, largest=true}",
        "  %3: f32[B, 2, 1] = reshape(%1) {shape=[B, 2, 1]}",
        "  %4: f32[2] = constant() {value=[1, 2], shape=[2], dtype=f32}",
        "  output v = %1",
        "  output i = %2 (metric)",
        "  output r = %3",
        "  output c = %4",
        "",
      ].join("\n"),
    );
  });
});
