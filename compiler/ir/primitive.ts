// The shape of one primitive's definition. Each primitive is defined exactly once, in one entry of
// the registry (primitives/registry.ts): its shape and dtype rule, its float64 reference
// evaluation, and its ONNX lowering. Derivative rules (JVP/VJP) are added to the same entries by
// the autodiff work; docs tables and tests are generated from the registry.

import type { Attrs, Node } from "./graph.js";
import type { NDArray } from "./ndarray.js";
import type { TensorType } from "./types.js";
import type { DiagnosticCode } from "../diagnostics/codes.js";
import type { LowerContext } from "../onnx/context.js";

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

export interface OnnxLowering {
  /** Smallest default-domain opset in which every ONNX op this lowering emits exists in the form used. */
  readonly minOpset: number;
  /** Whether ONNX Runtime's WebGPU execution provider runs the emitted ops (float32) without CPU fallback. */
  readonly webgpu: boolean;
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
}
