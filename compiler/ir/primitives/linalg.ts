// matmul with numpy semantics: batch dimensions broadcast; a 1-D left operand is a row vector and a
// 1-D right operand a column vector, and the added axis is dropped from the result. ONNX MatMul
// has exactly these semantics, so the lowering is one node.

import type { DerivativeContext } from "../../ad/context.js";
import { whenPresent } from "../../ad/rule-helpers.js";
import { dimConst, dimEquals, dimMul, dimToString, type Dim } from "../dims.js";
import type { ValueId } from "../graph.js";
import { broadcastConcrete, broadcastIndexMap, makeArray, sizeOf, toDType } from "../ndarray.js";
import { ShapeRuleError, type DerivativeRules, type PrimitiveDef } from "../primitive.js";
import { tensorType, typeToString } from "../types.js";
import { broadcastShapes, requireArity, requireDType, requireSameDType } from "./common.js";

// --- derivatives ------------------------------------------------------------------------------
//
// d(A@B) = dA@B + A@dB. Backward, Ā = C̄@Bᵀ and B̄ = Aᵀ@C̄, computed on the operands promoted to
// matrices (a 1-D left operand is a row [1, k], a 1-D right operand a column [k, 1]) with C̄
// reshaped to match. Ā and B̄ come out with the full broadcast batch; the transform sums the batch
// axes an operand did not have (and the promoted row of a 1-D left operand).

/** Swaps the last two axes. */
function transposed(ctx: DerivativeContext, v: ValueId): ValueId {
  const rank = ctx.rankOf(v);
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return ctx.transpose(v, perm);
}

function product(dims: readonly Dim[]): Dim {
  return dims.reduce((acc, d) => dimMul(acc, d), dimConst(1));
}

function matmulCotangents(ctx: DerivativeContext, a: ValueId, b: ValueId, y: ValueId, ct: ValueId, wantA: boolean, wantB: boolean): (ValueId | null)[] {
  const aShape = ctx.shapeOf(a);
  const bShape = ctx.shapeOf(b);
  const k = bShape.length === 1 ? bShape[0]! : bShape[bShape.length - 2]!;
  const aIsVector = aShape.length === 1;
  const bIsVector = bShape.length === 1;
  // C̄ with the axes the 1-D operands dropped put back: batch + [n or 1, m or 1].
  const ctShape = [...ctx.shapeOf(y)];
  if (bIsVector) ctShape.push(dimConst(1));
  if (aIsVector) ctShape.splice(ctShape.length - 1, 0, dimConst(1));
  const ct2 = ctx.reshape(ct, ctShape);

  let da: ValueId | null = null;
  if (wantA) {
    const bT = bIsVector ? ctx.reshape(b, [dimConst(1), k]) : transposed(ctx, b);
    da = ctx.emit1("matmul", [ct2, bT]);
  }
  let db: ValueId | null = null;
  if (wantB && bShape.length === 2 && aShape.length >= 3) {
    // A batched input times a weight matrix: fold the batch into the rows, so B̄ is one [k, m]
    // product instead of a batch of them summed afterwards.
    const rows = product(aShape.slice(0, -1));
    const aRows = ctx.reshape(a, [rows, k]);
    const ctRows = ctx.reshape(ct, [rows, bShape[1]!]);
    db = ctx.emit1("matmul", [transposed(ctx, aRows), ctRows]);
  } else if (wantB) {
    const aT = aIsVector ? ctx.reshape(a, [k, dimConst(1)]) : transposed(ctx, a);
    db = ctx.emit1("matmul", [aT, ct2]);
    // A 1-D right operand: drop the promoted column axis; the batch axes are summed centrally.
    if (bIsVector) db = ctx.reshape(db, ctx.shapeOf(db).slice(0, -1));
  }
  return [da, db];
}

const matmulRules: DerivativeRules = {
  jvp: (ctx, [a, b], _outputs, [ta, tb]) =>
    [ctx.addOptional(whenPresent(ta, (t) => ctx.emit1("matmul", [t, b!])), whenPresent(tb, (t) => ctx.emit1("matmul", [a!, t])))],
  vjp: (ctx, [a, b], [y], [ct], _attrs, [wantA, wantB]) => matmulCotangents(ctx, a!, b!, y!, ct!, wantA!, wantB!),
};

export const matmul: PrimitiveDef = {
  name: "matmul",
  doc: "matrix product with numpy batch broadcasting and 1-D operands",
  arity: 2,
  infer(inputs) {
    requireArity("matmul", inputs, 2);
    const [a, b] = [inputs[0]!, inputs[1]!];
    requireSameDType("matmul", a, b);
    requireDType("matmul", a, ["f32", "i32"], "operands");
    if (a.shape.length === 0 || b.shape.length === 0)
      throw new ShapeRuleError("E0406", `matmul needs operands of rank at least 1, got ${typeToString(a)} and ${typeToString(b)}`);
    const aShape = a.shape.length === 1 ? [dimConst(1), a.shape[0]!] : a.shape;
    const bShape = b.shape.length === 1 ? [b.shape[0]!, dimConst(1)] : b.shape;
    const k1 = aShape[aShape.length - 1]!;
    const k2 = bShape[bShape.length - 2]!;
    if (!dimEquals(k1, k2))
      throw new ShapeRuleError(
        "E0402",
        `matmul inner dimensions differ: ${typeToString(a)} @ ${typeToString(b)} (${dimToString(k1)} vs ${dimToString(k2)})`,
        "the last axis of the left operand must equal the second-to-last axis of the right operand",
      );
    let batch: Dim[];
    try {
      batch = broadcastShapes("matmul", tensorType(a.dtype, aShape.slice(0, -2)), tensorType(b.dtype, bShape.slice(0, -2)));
    } catch (e) {
      if (!(e instanceof ShapeRuleError)) throw e;
      throw new ShapeRuleError("E0400", `matmul batch dimensions do not broadcast: ${typeToString(a)} @ ${typeToString(b)}`, e.help);
    }
    const out = [...batch];
    if (a.shape.length > 1) out.push(aShape[aShape.length - 2]!);
    if (b.shape.length > 1) out.push(bShape[bShape.length - 1]!);
    return [tensorType(a.dtype, out)];
  },
  evaluate([a, b]) {
    const aShape = a!.shape.length === 1 ? [1, a!.shape[0]!] : a!.shape;
    const bShape = b!.shape.length === 1 ? [b!.shape[0]!, 1] : b!.shape;
    const [n, k] = aShape.slice(-2) as [number, number];
    const m = bShape[bShape.length - 1]!;
    const aBatch = aShape.slice(0, -2);
    const bBatch = bShape.slice(0, -2);
    const batch = broadcastConcrete(aBatch, bBatch)!;
    const aMap = broadcastIndexMap(batch, aBatch);
    const bMap = broadcastIndexMap(batch, bBatch);
    const outShape = [...batch];
    if (a!.shape.length > 1) outShape.push(n);
    if (b!.shape.length > 1) outShape.push(m);
    const out = makeArray(a!.dtype, outShape);
    for (let t = 0; t < sizeOf(batch); t++) {
      const aOff = aMap[t]! * n * k;
      const bOff = bMap[t]! * k * m;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a!.data[aOff + i * k + p]! * b!.data[bOff + p * m + j]!;
          out.data[t * n * m + i * m + j] = a!.dtype === "i32" ? toDType("i32", s) : s;
        }
    }
    return [out];
  },
  onnx: { minOpset: 9, webgpu: { reason: "the WebGPU provider's MatMul is float only", dtypes: ["i32"] }, lower: (ctx, [a, b]) => [ctx.node1("MatMul", [a!, b!])] },
  ...matmulRules,
};

export const LINALG_PRIMITIVES: readonly PrimitiveDef[] = [matmul];
