// TransformerBlock's hyper-parameters `norm` and `attention` (std/nn.flow): the default block is
// the pre-norm block it was before they existed, node for node and initial value for initial
// value; any module with MultiHeadAttention's call signature can be its attention; and the
// Peri-LN output norm makes each residual increment independent of its sublayer's scale.

import { describe, expect, it } from "vitest";
import type { CompileResult } from "../../compiler/compile.js";
import { interpret } from "../../compiler/ir/interpret.js";
import type { NDArray } from "../../compiler/ir/ndarray.js";
import { printGraph } from "../../compiler/ir/print.js";
import { concreteShape } from "../../compiler/ir/types.js";
import { compileOk } from "../compiled.js";

function compileText(name: string, text: string): CompileResult {
  return compileOk({ entry: `test/nn/${name}.flow`, text, stage: "ir" });
}

const graphOf = (result: CompileResult, model: string, fn = "forward") => result.graphs.find((g) => g.model === model && g.fn === fn)!.graph;

/** The IR text without the graph's name and the source positions. */
const structure = (result: CompileResult, model: string) =>
  printGraph(graphOf(result, model))
    .split("\n")
    .slice(1)
    .map((line) => line.replace(/ {2}# .*$/, ""))
    .join("\n");

describe("TransformerBlock's default", () => {
  // The block as std/nn.flow defined it before `norm` and `attention` (commit 5c54a4c).
  const text = `
use std.nn.{LayerNorm, MLP, MultiHeadAttention, TransformerBlock}

module PreNormBlock(d: int, heads: int, mlp_ratio: int = 4, causal: bool = false, act: fn = gelu) {
  norm1 = LayerNorm(d)
  attn = MultiHeadAttention(d, heads, causal: causal)
  norm2 = LayerNorm(d)
  mlp = MLP(d, [mlp_ratio * d], d, act: act)
  fn (x: f32[B, T, d]) -> f32[B, T, d] {
    let h = x + attn(norm1(x))
    h + mlp(norm2(h))
  }
}

model before {
  blocks = [PreNormBlock(16, 4, causal: true) for i in range(2)]
  fn (x: f32[B, T, 16]) -> f32[B, T, 16] = fold(blocks, x, fn (h, b) => b(h))
}
model default {
  blocks = [TransformerBlock(16, 4, causal: true) for i in range(2)]
  fn (x: f32[B, T, 16]) -> f32[B, T, 16] = fold(blocks, x, fn (h, b) => b(h))
}
model pre {
  blocks = [TransformerBlock(16, 4, causal: true, norm: "pre", attention: MultiHeadAttention) for i in range(2)]
  fn (x: f32[B, T, 16]) -> f32[B, T, 16] = fold(blocks, x, fn (h, b) => b(h))
}
`;
  const result = compileText("default-block", text);

  it("is the former pre-norm block: the same graph, node for node", () => {
    expect(structure(result, "default")).toBe(structure(result, "before"));
    expect(structure(result, "pre")).toBe(structure(result, "before"));
  });

  it("has the same parameters with the same initial values", () => {
    const initial = (model: string) => graphOf(result, model).inputs.map((i) => [i.name, i.role, i.initial ? Array.from(i.initial) : undefined]);
    expect(initial("default")).toEqual(initial("before"));
  });
});

describe("TransformerBlock(attention: ...)", () => {
  // An attention with MultiHeadAttention's signature (d, heads, causal: bool): half of it.
  const text = `
use std.nn.{MultiHeadAttention, TransformerBlock}

module HalfAttention(d: int, heads: int, causal: bool = false) {
  inner = MultiHeadAttention(d, heads, causal: causal)
  fn (x: f32[B, T, d]) -> f32[B, T, d] = 0.5 * inner(x)
}

model plain_pre { b = TransformerBlock(8, 2, norm: "pre"); fn (x: f32[B, T, 8]) -> f32[B, T, 8] = b(x) }
model half_pre { b = TransformerBlock(8, 2, norm: "pre", attention: HalfAttention); fn (x: f32[B, T, 8]) -> f32[B, T, 8] = b(x) }
model plain_peri { b = TransformerBlock(8, 2, norm: "peri"); fn (x: f32[B, T, 8]) -> f32[B, T, 8] = b(x) }
model half_peri { b = TransformerBlock(8, 2, norm: "peri", attention: HalfAttention); fn (x: f32[B, T, 8]) -> f32[B, T, 8] = b(x) }
`;
  const result = compileText("plugged-attention", text);
  const x: NDArray = { dtype: "f32", shape: [2, 5, 8], data: Float64Array.from({ length: 80 }, (_, i) => Math.sin(1.7 * i) * (1 + (i % 8) / 4)) };

  /** Runs a model's forward with the parameters of `plain_<norm>` (the plugged attention's inner MHA gets the plain one's). */
  function run(model: string, params: Record<string, NDArray>): Float64Array {
    const graph = graphOf(result, model);
    const feeds: Record<string, NDArray> = { x };
    for (const input of graph.inputs.filter((i) => i.role === "param")) feeds[input.name] = params[input.name.replace(".attn.inner.", ".attn.")]!;
    return interpret(graph, feeds)["output"]!.data;
  }

  function paramsOf(model: string): Record<string, NDArray> {
    const graph = graphOf(result, model);
    return Object.fromEntries(
      graph.inputs.filter((i) => i.role === "param").map((i) => [i.name, { dtype: "f32", shape: concreteShape(graph.values[i.value]!.shape)!, data: Float64Array.from(i.initial!) } as NDArray]),
    );
  }

  it("instantiates the given module as the block's `attn`", () => {
    const names = graphOf(result, "half_peri").inputs.filter((i) => i.role === "param").map((i) => i.name);
    expect(names.filter((n) => n.startsWith("b.attn."))).toEqual(["b.attn.inner.q.w", "b.attn.inner.q.b", "b.attn.inner.k.w", "b.attn.inner.k.b", "b.attn.inner.v.w", "b.attn.inner.v.b", "b.attn.inner.out.w", "b.attn.inner.out.b"]);
    expect(names).toContain("b.attn_out.gamma");
  });

  it("Peri-LN: the output norm makes the block (nearly) blind to the attention's scale; Pre-LN is not", () => {
    const relative = (a: Float64Array, b: Float64Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / Math.max(...b.map(Math.abs));
    const pre = paramsOf("plain_pre");
    const peri = paramsOf("plain_peri");
    // Pre-LN adds half the attention output: a visible change.
    expect(relative(run("half_pre", pre), run("plain_pre", pre))).toBeGreaterThan(1e-2);
    // Peri-LN normalizes it: LN(a / 2) = LN(a) up to LayerNorm's eps (1e-5 against the variance of a).
    expect(relative(run("half_peri", peri), run("plain_peri", peri))).toBeLessThan(1e-3);
  });
});

describe("TransformerBlock with std/attention.flow's attentions", () => {
  // HybridAttention's chunk length is not among the block's arguments: a wrapper module sets it.
  const text = `
use std.nn.TransformerBlock
use std.attention.{FlowAttention, HybridAttention}

module Hybrid4(d: int, heads: int, causal: bool = true) {
  inner = HybridAttention(d, heads, causal: causal, chunk: 4)
  fn (x: f32[B, T, d]) -> f32[B, T, d] = inner(x)
}

model flow { b = TransformerBlock(16, 4, causal: true, norm: "peri", attention: FlowAttention); fn (x: f32[B, T, 16]) -> f32[B, T, 16] = b(x) }
model hybrid { b = TransformerBlock(16, 4, causal: true, norm: "peri", attention: Hybrid4); fn (x: f32[B, T, 16]) -> f32[B, T, 16] = b(x) }
`;
  const result = compileText("std-attention-block", text);
  const x: NDArray = { dtype: "f32", shape: [2, 8, 16], data: Float64Array.from({ length: 256 }, (_, i) => Math.cos(0.37 * i)) };

  for (const [model, first] of [
    ["flow", "b.attn.q.w"],
    ["hybrid", "b.attn.inner.q.w"],
  ] as const) {
    it(`${model}: the block runs with it as its attention, and the Peri-LN norms around it`, () => {
      const graph = graphOf(result, model);
      const names = graph.inputs.filter((i) => i.role === "param").map((i) => i.name);
      expect(names).toContain(first);
      expect(names).toContain("b.attn_out.gamma");
      const out = interpret(graph, { x })["output"]!;
      expect(out.shape).toEqual([2, 8, 16]);
      expect(out.data.every(Number.isFinite)).toBe(true);
    });
  }
});
