// Tensor indexing with numpy's basic rules: ints select (and drop an axis), slices keep an axis,
// `None` inserts an axis, `...` stands for the axes not mentioned, and one integer tensor gathers.

import type * as A from "../../grammar/ast.js";
import { fail } from "../diagnostics/index.js";
import { dimConst, dimValue } from "../ir/dims.js";
import { typeToString } from "../ir/types.js";
import { asTensor, emitTensor, scalarConstant, type TensorCtx, type TensorValue } from "./tensors.js";
import { describe, type Value } from "./values.js";

export function indexTensor(ctx: TensorCtx, target: TensorValue, e: A.IndexExpr, evaluate: (x: A.Expr) => Value): TensorValue {
  const items = e.indices;
  const rank = target.type.shape.length;
  const ellipses = items.filter((i) => i.kind === "Ellipsis");
  if (ellipses.length > 1) fail("E0404", ellipses[1]!.span, "an index may contain `...` only once");
  const consumes = (i: A.IndexItem) => i.kind === "IndexExpr" || i.kind === "Slice";
  const consuming = items.filter(consumes).length;
  if (consuming > rank)
    fail("E0404", e.span, `too many indices: ${typeToString(target.type)} has ${rank} axes but ${consuming} are indexed`);

  let x = target;
  let axis = 0;
  let remaining = rank; // axes of the original tensor not yet accounted for
  items.forEach((item, position) => {
    switch (item.kind) {
      case "Ellipsis": {
        const later = items.slice(position + 1).filter(consumes).length;
        const skip = remaining - later;
        axis += skip;
        remaining -= skip;
        return;
      }
      case "NewAxis": {
        const shape = [...x.type.shape];
        shape.splice(axis, 0, dimConst(1));
        x = emitTensor(ctx, "reshape", [x.id], { shape }, item.span);
        axis += 1;
        return;
      }
      case "Slice": {
        const bound = (b: A.Expr | undefined, what: string): number | null => {
          if (!b) return null;
          const v = evaluate(b);
          if (v.kind !== "int") return fail("E0300", b.span, `a slice ${what} must be a compile-time int, found ${describe(v)}`, { help: "use `gather` to select with a tensor" });
          return v.value;
        };
        const start = bound(item.start, "start");
        const stop = bound(item.stop, "stop");
        const step = bound(item.step, "step") ?? 1;
        if (step === 0) fail("E0404", item.step!.span, "a slice step cannot be zero");
        const whole = (start === null || (start === 0 && step > 0)) && stop === null && step === 1;
        if (!whole) x = emitTensor(ctx, "slice", [x.id], { axis, start: start ?? (step > 0 ? 0 : -1), stop, step }, item.span);
        axis += 1;
        remaining -= 1;
        return;
      }
      case "IndexExpr": {
        const v = evaluate(item.value);
        remaining -= 1;
        if (v.kind === "int") {
          const size = dimValue(x.type.shape[axis]!);
          if (size !== undefined && (v.value >= size || v.value < -size))
            fail("E0404", item.span, `index ${v.value} is out of range for an axis of size ${size}`);
          x = emitTensor(ctx, "gather", [x.id, scalarConstant(ctx, v.value, "i32", item.span).id], { axis }, item.span);
          return;
        }
        const idx = asTensor(ctx, v, item.span, "i32");
        if (idx.type.dtype !== "i32")
          fail("E0304", item.span, `an index tensor must be i32, found ${typeToString(idx.type)}`, {
            help: idx.type.dtype === "bool" ? "boolean masks are not supported; select with `where(mask, x, y)`" : "convert it with `i32(x)`",
          });
        x = emitTensor(ctx, "gather", [x.id, idx.id], { axis }, item.span);
        axis += idx.type.shape.length;
        return;
      }
    }
  });
  return x;
}
