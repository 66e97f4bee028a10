// The builder-like context through which derivative rules emit IR. Rules never compute numbers:
// they append ordinary primitive nodes to the graph being built, so a derivative graph is itself
// differentiable (second derivatives, reverse-over-forward). Every node emitted while a rule runs
// carries the span of the primal node it differentiates, so dumps and diagnostics point at source.
//
// This module imports only types from the IR, never the registry: the primitive files import
// rule helpers from compiler/ad at load time, and a runtime import of the registry here would
// make a cycle.

import type { GraphBuilder } from "../ir/builder.js";
import { dimConst, dimValue, type Dim } from "../ir/dims.js";
import type { Attrs, ValueId } from "../ir/graph.js";
import { shapesEqual, type DType, type TensorType } from "../ir/types.js";
import type { Span } from "../source.js";

export class DerivativeContext {
  /** The span of the primal node whose derivative is being emitted (set by the transform). */
  span: Span | undefined;
  /** f32 scalar constants already emitted, by value: rules ask for 0, 1, 2 … again and again. */
  private readonly scalars = new Map<number, ValueId>();

  constructor(readonly builder: GraphBuilder) {}

  typeOf(v: ValueId): TensorType {
    return this.builder.typeOf(v);
  }

  shapeOf(v: ValueId): readonly Dim[] {
    return this.typeOf(v).shape;
  }

  rankOf(v: ValueId): number {
    return this.typeOf(v).shape.length;
  }

  emit(op: string, inputs: readonly ValueId[], attrs: Attrs = {}): ValueId[] {
    return this.builder.emit(op, inputs, attrs, this.span);
  }

  emit1(op: string, inputs: readonly ValueId[], attrs: Attrs = {}): ValueId {
    return this.builder.emit1(op, inputs, attrs, this.span);
  }

  // --- arithmetic (numpy broadcasting, as the primitives do) --------------------------------------

  add(a: ValueId, b: ValueId): ValueId {
    return this.emit1("add", [a, b]);
  }

  sub(a: ValueId, b: ValueId): ValueId {
    return this.emit1("sub", [a, b]);
  }

  mul(a: ValueId, b: ValueId): ValueId {
    return this.emit1("mul", [a, b]);
  }

  div(a: ValueId, b: ValueId): ValueId {
    return this.emit1("div", [a, b]);
  }

  neg(a: ValueId): ValueId {
    return this.emit1("neg", [a]);
  }

  /** a + b where null is a symbolic zero: emits an `add` only when both are present. */
  addOptional(a: ValueId | null, b: ValueId | null): ValueId | null {
    if (a === null) return b;
    if (b === null) return a;
    return this.add(a, b);
  }

  // --- constants and zeros -----------------------------------------------------------------------

  /** An f32 scalar constant (shape []); broadcasting makes it usable against any shape. */
  scalar(value: number): ValueId {
    let v = this.scalars.get(value);
    if (v === undefined) {
      v = this.constant([value], "f32", []);
      this.scalars.set(value, v);
    }
    return v;
  }

  constant(values: readonly number[], dtype: DType, shape: readonly number[]): ValueId {
    return this.emit1("constant", [], { value: Float64Array.from(values), shape: [...shape], dtype });
  }

  /**
   * Materialized f32 zeros of `shape` (possibly symbolic): a scalar expanded, so the model stores
   * one number. Only for where a real tensor is unavoidable (a concat piece, a scatter target).
   */
  zeros(shape: readonly Dim[]): ValueId {
    return this.expand(this.scalar(0), shape);
  }

  /** The tangent or cotangent `t`, or zeros shaped like `like` when `t` is a symbolic zero. */
  orZeros(t: ValueId | null, like: ValueId): ValueId {
    return t ?? this.zeros(this.shapeOf(like));
  }

  // --- shapes (each a no-op when nothing changes) -------------------------------------------------

  reshape(v: ValueId, shape: readonly Dim[]): ValueId {
    return shapesEqual(this.shapeOf(v), shape) ? v : this.emit1("reshape", [v], { shape: [...shape] });
  }

  expand(v: ValueId, shape: readonly Dim[]): ValueId {
    return shapesEqual(this.shapeOf(v), shape) ? v : this.emit1("expand", [v], { shape: [...shape] });
  }

  transpose(v: ValueId, perm: readonly number[]): ValueId {
    return perm.every((p, i) => p === i) ? v : this.emit1("transpose", [v], { perm: [...perm] });
  }

  reduceSum(v: ValueId, axes: readonly number[], keepdims: boolean): ValueId {
    return axes.length === 0 ? v : this.emit1("reduce_sum", [v], { axes: [...axes], keepdims });
  }

  castTo(v: ValueId, to: DType): ValueId {
    return this.typeOf(v).dtype === to ? v : this.emit1("cast", [v], { to });
  }

  /**
   * The number of elements of `x` along `axes`, as an f32 scalar: a constant when those sizes are
   * known, otherwise computed at run time from `dim` (e.g. a mean over the batch axis B).
   */
  elementCount(x: ValueId, axes: readonly number[]): ValueId {
    let known = 1;
    let runtime: ValueId | null = null;
    for (const axis of axes) {
      const size = dimValue(this.shapeOf(x)[axis]!);
      if (size !== undefined) known *= size;
      else {
        const n = this.castTo(this.emit1("dim", [x], { axis }), "f32");
        runtime = runtime === null ? n : this.mul(runtime, n);
      }
    }
    if (runtime === null) return this.scalar(known);
    return known === 1 ? runtime : this.mul(runtime, this.scalar(known));
  }
}

/** `shape` with the listed axes set to 1: the keepdims form of a reduction's result. */
export function keptShape(shape: readonly Dim[], axes: readonly number[]): Dim[] {
  return shape.map((d, i) => (axes.includes(i) ? dimConst(1) : d));
}
