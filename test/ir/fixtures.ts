// Small hand-built graphs shared by the IR tests.

import { GraphBuilder } from "../../compiler/ir/builder.js";
import { dimConst, dimSym } from "../../compiler/ir/dims.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { tensorType } from "../../compiler/ir/types.js";
import type { Span } from "../../compiler/source.js";
import { seededRandom } from "./harness.js";

export function spanAt(line: number, column: number): Span {
  return { file: "mlp.flow", start: 0, end: 0, line, column, endLine: line, endColumn: column + 1 };
}

function randomF32(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() - 0.5);
}

/** y = tanh(x @ w1 + b1) @ w2 + b2 for x: f32[B, 3]. */
export function mlpGraph(): Graph {
  const B = dimSym("B");
  const c = dimConst;
  const b = new GraphBuilder("mlp");
  const x = b.input("x", tensorType("f32", [B, c(3)]), "input");
  const w1 = b.input("w1", tensorType("f32", [c(3), c(4)]), "param", { initial: randomF32(12, 1) });
  const b1 = b.input("b1", tensorType("f32", [c(4)]), "param", { initial: randomF32(4, 2) });
  const w2 = b.input("w2", tensorType("f32", [c(4), c(2)]), "param", { initial: randomF32(8, 3) });
  const b2 = b.input("b2", tensorType("f32", [c(2)]), "param", { initial: randomF32(2, 4) });
  const h = b.emit1("tanh", [b.emit1("add", [b.emit1("matmul", [x, w1], {}, spanAt(2, 12)), b1], {}, spanAt(2, 19))], {}, spanAt(2, 7));
  const y = b.emit1("add", [b.emit1("matmul", [h, w2], {}, spanAt(3, 3)), b2], {}, spanAt(3, 10));
  b.output("y", y);
  return b.finish();
}
