// IR optimization passes (see pipeline.ts): dead-code elimination, common-subexpression
// elimination, constant folding and exact algebraic simplifications.

export { optimizeGraph, PASSES, MAX_ROUNDS, type NamedPass, type OptimizeOptions } from "./pipeline.js";
export { deadCodeElimination } from "./dce.js";
export { commonSubexpressionElimination } from "./cse.js";
export { constantFolding, MAX_FOLDED_ELEMENTS, MAX_OPERAND_ELEMENTS } from "./fold.js";
export { algebraicSimplification } from "./simplify.js";
export type { Pass } from "./rewrite.js";
