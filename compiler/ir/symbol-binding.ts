// Binding dimension symbols to concrete sizes from the shapes of actual arrays, as the interpreter
// (and any runtime) must do before symbolic shapes can be checked or reshape targets computed.

import { dimEvaluate, dimToString, type Dim } from "./dims.js";

export type SymbolSizes = Map<string, number>;

/**
 * Binds the symbols of `declared` from `actual` sizes. Dims linear in a single unbound symbol
 * (B, B + 1, B*T with T already bound) are solved; passes repeat until nothing new is learned.
 * Returns a problem description, or undefined when every dim agrees with its actual size.
 */
export function bindShape(declared: readonly Dim[], actual: readonly number[], sizes: SymbolSizes): string | undefined {
  if (declared.length !== actual.length) return `rank ${actual.length} where rank ${declared.length} was declared`;
  for (let progress = true; progress; ) {
    progress = false;
    declared.forEach((d, i) => {
      if (dimEvaluate(d, sizes) === undefined && solveLinear(d, actual[i]!, sizes)) progress = true;
    });
  }
  for (let i = 0; i < declared.length; i++) {
    const expected = dimEvaluate(declared[i]!, sizes);
    if (expected === undefined) return `axis ${i} has symbolic size ${dimToString(declared[i]!)} that cannot be determined`;
    if (expected !== actual[i]) return `axis ${i} has size ${actual[i]} but ${dimToString(declared[i]!)} = ${expected}`;
  }
  return undefined;
}

/** Solves `d = value` for the one unbound symbol of `d` if `d` is linear in it; true if a binding was added. */
function solveLinear(d: Dim, value: number, sizes: SymbolSizes): boolean {
  const unbound = new Set<string>();
  for (const monomial of d.keys()) for (const s of monomial ? monomial.split("*") : []) if (!sizes.has(s)) unbound.add(s);
  if (unbound.size !== 1) return false;
  const [symbol] = [...unbound] as [string];
  let rest = 0; // the part of d without the symbol
  let coefficient = 0; // d = rest + coefficient * symbol
  for (const [monomial, c] of d) {
    const factors = monomial ? monomial.split("*") : [];
    const occurrences = factors.filter((f) => f === symbol).length;
    if (occurrences > 1) return false;
    const known = factors.filter((f) => f !== symbol).reduce((acc, f) => acc * sizes.get(f)!, c);
    if (occurrences === 1) coefficient += known;
    else rest += known;
  }
  if (coefficient === 0) return false;
  const solution = (value - rest) / coefficient;
  if (!Number.isInteger(solution) || solution < 0) return false;
  sizes.set(symbol, solution);
  return true;
}
