// Selection and conversion: where (3-way broadcasting select), cast, and stop_grad (an identity
// that autodiff treats as a constant).

import { mapElements, toDType, zipElements } from "../ndarray.js";
import type { PrimitiveDef } from "../primitive.js";
import { tensorType } from "../types.js";
import { attrDType, broadcastShapes, requireArity, requireDType, requireSameDType } from "./common.js";

const where: PrimitiveDef = {
  name: "where",
  doc: "cond ? a : b elementwise (cond bool; 3-way broadcasting)",
  arity: 3,
  infer(inputs) {
    requireArity("where", inputs, 3);
    const [cond, a, b] = [inputs[0]!, inputs[1]!, inputs[2]!];
    requireDType("where", cond, ["bool"], "a condition");
    requireSameDType("where", a, b);
    const ab = tensorType(a.dtype, broadcastShapes("where", a, b));
    return [tensorType(a.dtype, broadcastShapes("where", cond, ab))];
  },
  evaluate([cond, a, b]) {
    return [zipElements([cond!, a!, b!], a!.dtype, (c, x, y) => (c ? x! : y!))];
  },
  onnx: {
    minOpset: 9,
    webgpu: true,
    lower(ctx, [c, a, b], _node, [, ta]) {
      if (ta!.dtype !== "bool") return [ctx.node1("Where", [c!, a!, b!])];
      // ONNX Runtime's CPU Where has no bool kernel: select among 0/1 int32s (which both providers run).
      return [ctx.cast(ctx.node1("Where", [c!, ctx.cast(a!, "i32"), ctx.cast(b!, "i32")]), "bool")];
    },
  },
  // The condition is bool (no derivative); each branch's derivative flows where it is selected.
  jvp: (ctx, [cond], _outputs, [, ta, tb]) => [ctx.emit1("where", [cond!, ta ?? ctx.scalar(0), tb ?? ctx.scalar(0)])],
  vjp: (ctx, [cond], _outputs, [ct], _attrs, [, wantA, wantB]) => [
    null,
    wantA ? ctx.emit1("where", [cond!, ct!, ctx.scalar(0)]) : null,
    wantB ? ctx.emit1("where", [cond!, ctx.scalar(0), ct!]) : null,
  ],
};

const cast: PrimitiveDef = {
  name: "cast",
  doc: "converts to dtype `to` (f32→i32 truncates toward zero; nonzero → true; bool → 0/1)",
  arity: 1,
  infer(inputs, attrs) {
    requireArity("cast", inputs, 1);
    return [tensorType(attrDType(attrs, "to", "cast"), inputs[0]!.shape)];
  },
  evaluate([x], attrs) {
    const to = attrDType(attrs, "to", "cast");
    return [mapElements(x!, to, (v) => toDType(to, v))];
  },
  onnx: {
    minOpset: 6,
    webgpu: true,
    lower: (ctx, [x], node) => [ctx.cast(x!, attrDType(node.attrs, "to", "cast"))],
  },
  // Only f32 → f32 (an identity) carries a derivative: i32/bool results have none, and an i32/bool
  // input never has a tangent.
  jvp: (_ctx, _inputs, _outputs, [t], attrs) => [attrDType(attrs, "to", "cast") === "f32" ? t! : null],
  vjp: (_ctx, _inputs, _outputs, [ct]) => [ct!],
};

const stopGrad: PrimitiveDef = {
  name: "stop_grad",
  doc: "identity whose derivative is zero",
  arity: 1,
  infer(inputs) {
    requireArity("stop_grad", inputs, 1);
    return [inputs[0]!];
  },
  evaluate([x]) {
    return [{ dtype: x!.dtype, shape: [...x!.shape], data: Float64Array.from(x!.data) }];
  },
  onnx: {
    minOpset: 1,
    webgpu: true,
    // No ONNX node at all: the output is the input's value.
    lower: (_ctx, [x]) => [x!],
  },
  nonDifferentiable: "by definition",
};

export const CONVERT_PRIMITIVES: readonly PrimitiveDef[] = [where, cast, stopGrad];
