// The shape of one primitive's definition. Each primitive is defined exactly once, in one entry of
// the registry (primitives/registry.ts): its shape and dtype rule, its float64 reference
// evaluation, its ONNX lowering, and its derivative rules (JVP and VJP) or the declaration that it
// has none; docs tables and tests are generated from the registry.

import type { Attrs, Node, ValueId } from "./graph.js";
import type { NDArray } from "./ndarray.js";
import type { DType, TensorType } from "./types.js";
import type { DiagnosticCode } from "../diagnostics/codes.js";
import type { LowerContext } from "../onnx/context.js";
import type { DerivativeContext } from "../ad/context.js";

/** Thrown by a shape rule; the caller attaches the source span and turns it into a diagnostic. */
export class ShapeRuleError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}

/** Why ONNX Runtime's WebGPU execution provider leaves (part of) a lowering to the CPU. */
export interface WebGpuFallback {
  /** One line for `flowc info --placement` and docs/primitives.md. */
  readonly reason: string;
  /** Only nodes whose operand dtype (the first input's; the result's for ops without inputs) is one of these fall back (default: every dtype). */
  readonly dtypes?: readonly DType[];
}

export interface OnnxLowering {
  /** Smallest default-domain opset in which every ONNX op this lowering emits exists in the form used. */
  readonly minOpset: number;
  /**
   * Whether ONNX Runtime's WebGPU execution provider runs every op this lowering emits (true), or
   * why some run on the CPU. Measured, not assumed: test/webgpu runs every case of every primitive
   * on the provider and checks ONNX Runtime's placement (its profiler) against this. Shape
   * arithmetic on int64 tensors, which ONNX Runtime places on the CPU by design, does not count.
   */
  readonly webgpu: true | WebGpuFallback;
  /**
   * Emits ONNX nodes computing the outputs from ONNX value names of the inputs; returns output names
   * (an input's name may be returned as is when the op is an identity).
   */
  lower(ctx: LowerContext, inputs: readonly string[], node: Node, inputTypes: readonly TensorType[], outputTypes: readonly TensorType[]): string[];
}

export interface PrimitiveDef {
  readonly name: string;
  /** One line for the generated docs table. */
  readonly doc: string;
  /** Number of tensor inputs, or "variadic" (concat). */
  readonly arity: number | "variadic";
  /** Shape and dtype rule: throws ShapeRuleError on bad inputs/attributes. */
  infer(inputs: readonly TensorType[], attrs: Attrs): TensorType[];
  /** Float64 reference evaluation on concrete arrays. */
  evaluate(inputs: readonly NDArray[], attrs: Attrs): NDArray[];
  readonly onnx: OnnxLowering;
  /** Forward-mode derivative rule (see JvpRule). Present together with `vjp`. */
  readonly jvp?: JvpRule;
  /** Reverse-mode derivative rule (see VjpRule). Present together with `jvp`. */
  readonly vjp?: VjpRule;
  /**
   * Set instead of `jvp`/`vjp` when the derivative is a symbolic zero, with the reason for the docs:
   * discrete (i32/bool) results, piecewise-constant functions, no tensor inputs, or stop_grad.
   * Autodiff treats the outputs of such a node as constants. Every primitive has rules or this.
   */
  readonly nonDifferentiable?: string;
}

// Derivative rules. flowc has a JVP rule and a VJP rule per primitive rather than JVP rules plus
// transposition (as JAX does): transposing needs the tangent program split into linear and
// non-linear parts and partially evaluated, while direct VJP rules keep the backward pass a plain
// sequence of primitive nodes that can reuse forward results (y for exp, tanh, softmax). Since
// every rule only emits ordinary primitives, which have rules themselves, differentiating a
// derivative (grad of grad, reverse-over-forward) needs nothing more. The price is two rules per
// primitive; test/ad checks each pair against each other (<J·t, c> = <t, Jᵀ·c>) and against finite
// differences.
//
// In both, `null` is a symbolic zero: a rule receives null for inputs (or outputs) with a zero
// derivative and returns null where its result is zero, so no zeros are materialized needlessly.
// Only f32 values carry derivatives; the transforms drop results for i32/bool values.

/**
 * Forward mode: emits the tangents of the outputs given the tangents of the inputs (at least one
 * is non-null). A returned tangent may have any shape that broadcasts to its output's shape; the
 * transform expands it.
 */
export type JvpRule = (
  ctx: DerivativeContext,
  inputs: readonly ValueId[],
  outputs: readonly ValueId[],
  tangents: readonly (ValueId | null)[],
  attrs: Attrs,
) => readonly (ValueId | null)[];

/**
 * Reverse mode: emits the cotangents of the inputs given those of the outputs (at least one is
 * non-null). `wanted[i]` says whether input i needs one; results for other inputs are ignored, so
 * rules skip computing them. A returned cotangent may be shaped like the broadcast output: the
 * transform sums it down to the input's shape (and expands size-1 axes), and adds up the
 * contributions to one value (compiler/ad/fit-shape.ts).
 */
export type VjpRule = (
  ctx: DerivativeContext,
  inputs: readonly ValueId[],
  outputs: readonly ValueId[],
  cotangents: readonly (ValueId | null)[],
  attrs: Attrs,
  wanted: readonly boolean[],
) => readonly (ValueId | null)[];

export interface DerivativeRules {
  readonly jvp: JvpRule;
  readonly vjp: VjpRule;
}
