// Automatic differentiation on the IR: forward mode (jvp), reverse mode (vjp) and grad, as graph
// transforms that emit derivative nodes into the builder of the primal graph. The rules live
// with each primitive in compiler/ir/primitives; docs/autodiff.md explains the design.

export { DerivativeContext } from "./context.js";
export { DerivativeError, type DerivativeErrorCode } from "./errors.js";
export { grad } from "./grad.js";
export { jvp } from "./jvp.js";
export { carriesDerivative } from "./rules.js";
export { vjp, type VjpOptions } from "./vjp.js";
