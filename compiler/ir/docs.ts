// The primitives reference (docs/primitives.md), generated from the registry so it cannot drift.
// test/ir/docs.test.ts fails when the checked-in file is stale; UPDATE_DOCS=1 rewrites it.

import type { PrimitiveDef } from "./primitive.js";
import { allPrimitives } from "./primitives/registry.js";
import { webgpuSummary } from "./placement.js";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** Whether autodiff has rules for the primitive, or why its derivative is zero. */
function derivativeCell(p: PrimitiveDef): string {
  if (p.nonDifferentiable !== undefined) return `zero (${cell(p.nonDifferentiable)})`;
  return p.jvp && p.vjp ? "JVP, VJP" : "**missing**";
}

/** One row per primitive: name, arity, doc, minimum ONNX opset, WebGPU support, derivatives. */
export function primitivesMarkdownTable(): string {
  const rows = allPrimitives().map((p) =>
    `| \`${p.name}\` | ${p.arity} | ${cell(p.doc)} | ${p.onnx.minOpset} | ${cell(webgpuSummary(p))} | ${derivativeCell(p)} |`,
  );
  return ["| primitive | inputs | meaning | min opset | WebGPU | derivatives |", "|---|---|---|---|---|---|", ...rows].join("\n") + "\n";
}

/** The whole docs/primitives.md file. */
export function primitivesMarkdownDocument(): string {
  return [
    "# IR primitives",
    "",
    "<!-- Generated from compiler/ir/primitives/registry.ts by test/ir/docs.test.ts; run `UPDATE_DOCS=1 npx vitest run test/ir/docs.test.ts` to refresh. -->",
    "",
    "Every op of flowc's tensor IR. Each primitive is defined once: its shape and dtype rule, its",
    "float64 reference evaluation, and its ONNX lowering (default domain, opset 17). Attributes are",
    "shown in braces. *min opset* is the smallest ONNX opset in which every op the lowering emits",
    "exists in the form used. *WebGPU* says whether ONNX Runtime's WebGPU execution provider runs",
    "those ops (for every dtype the primitive takes, unless the cell names some), or why part of them",
    "runs on the CPU. It is measured: test/webgpu runs every case of every primitive on the provider",
    "and reads ONNX Runtime's placement from its profiler. Shape arithmetic on int64 tensors is",
    "placed on the CPU by ONNX Runtime by design and is not counted. `flowc info --placement` lists",
    "the nodes of a compiled spec that fall back.",
    "*derivatives* says whether autodiff has forward (JVP) and reverse (VJP) rules for the primitive,",
    "or why its derivative is a symbolic zero (see docs/autodiff.md). Only f32 values carry",
    "derivatives: a rule is never asked for the derivative of an i32 or bool operand.",
    "",
    primitivesMarkdownTable(),
  ].join("\n");
}
