// The one error autodiff throws for a user-level problem. It carries a stable diagnostic code and
// the span of the primal node being differentiated (when there is one); the caller (elaborator,
// training-step builder) turns it into a located Diagnostic.

import type { Span } from "../source.js";

export type DerivativeErrorCode =
  /** A primitive on a differentiated path has neither rules nor a non-differentiable declaration. */
  | "E0506"
  /** Asked for the derivative of, or with respect to, a value that has none (i32/bool, non-scalar loss). */
  | "E0507"
  /** A custom-VJP function reads, without taking it as an argument, a value that needs a gradient. */
  | "E0509"
  /** Forward mode asked to go through a function whose derivative is given only in reverse mode. */
  | "E0510";

export class DerivativeError extends Error {
  constructor(
    readonly code: DerivativeErrorCode,
    message: string,
    /** The source span of the primal node being differentiated, when there is one. */
    readonly span?: Span,
    readonly help?: string,
  ) {
    super(message);
    this.name = "DerivativeError";
  }

  /** Alias of `span`: the node whose derivative failed. */
  get nodeSpan(): Span | undefined {
    return this.span;
  }
}
