// Gradient accumulation for the reverse pass: a value read by several nodes receives one
// cotangent contribution from each; they are summed once, when the value's cotangent is first
// needed, into a chain of `add`s (one contribution needs no node at all).

import type { ValueId } from "../ir/graph.js";
import type { DerivativeContext } from "./context.js";

export class CotangentAccumulator {
  private readonly contributions = new Map<ValueId, ValueId[]>();

  constructor(private readonly ctx: DerivativeContext) {}

  add(v: ValueId, ct: ValueId): void {
    const list = this.contributions.get(v);
    if (list) list.push(ct);
    else this.contributions.set(v, [ct]);
  }

  /** The summed cotangent of `v`, or null (a symbolic zero) when nothing reached it. */
  total(v: ValueId): ValueId | null {
    const list = this.contributions.get(v);
    if (!list) return null;
    if (list.length > 1) {
      const sum = list.reduce((acc, ct) => this.ctx.add(acc, ct));
      this.contributions.set(v, [sum]);
      return sum;
    }
    return list[0]!;
  }

  /** Every value reached, with its summed cotangent. */
  totals(): Map<ValueId, ValueId> {
    const out = new Map<ValueId, ValueId>();
    for (const v of this.contributions.keys()) out.set(v, this.total(v)!);
    return out;
  }
}
