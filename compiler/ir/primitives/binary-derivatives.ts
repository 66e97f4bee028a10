// Derivative rules of the broadcasting binary arithmetic primitives (binary.ts). Only f32 operands
// carry derivatives. Results are left in the broadcast shape of the output: the transform sums a
// cotangent back down to each operand's shape (compiler/ad/fit-shape.ts).

import type { DerivativeContext } from "../../ad/context.js";
import { whenPresent } from "../../ad/rule-helpers.js";
import type { ValueId } from "../graph.js";
import type { DerivativeRules } from "../primitive.js";

export const add: DerivativeRules = {
  jvp: (ctx, _inputs, _outputs, [ta, tb]) => [ctx.addOptional(ta, tb)],
  vjp: (_ctx, _inputs, _outputs, [ct]) => [ct!, ct!],
};

export const sub: DerivativeRules = {
  jvp: (ctx, _inputs, _outputs, [ta, tb]) => [tb === null ? ta : ta === null ? ctx.neg(tb!) : ctx.sub(ta, tb!)],
  vjp: (ctx, _inputs, _outputs, [ct], _attrs, [, wantB]) => [ct!, wantB ? ctx.neg(ct!) : null],
};

export const mul: DerivativeRules = {
  jvp: (ctx, [a, b], _outputs, [ta, tb]) =>
    [ctx.addOptional(whenPresent(ta, (t) => ctx.mul(t, b)), whenPresent(tb, (t) => ctx.mul(a, t)))],
  vjp: (ctx, [a, b], _outputs, [ct], _attrs, [wantA, wantB]) => [wantA ? ctx.mul(ct!, b) : null, wantB ? ctx.mul(ct!, a) : null],
};

/** y = a / b: dy = (da - db·y) / b. */
export const div: DerivativeRules = {
  jvp(ctx, [, b], [y], [ta, tb]) {
    if (tb === null) return [ctx.div(ta!, b)];
    const fromB = ctx.mul(tb!, y);
    return [ctx.div(ta === null ? ctx.neg(fromB) : ctx.sub(ta!, fromB), b)];
  },
  vjp: (ctx, [, b], [y], [ct], _attrs, [wantA, wantB]) => [
    wantA ? ctx.div(ct!, b) : null,
    wantB ? ctx.neg(ctx.div(ctx.mul(ct!, y), b)) : null,
  ],
};

/**
 * y = a ** b: ∂y/∂a = b·a^(b-1), ∂y/∂b = y·log(a). log is taken of 1 where a = 0, so ∂y/∂b is 0
 * there (the limit for b > 0); for a < 0 it is NaN, as the real function has no derivative in b.
 * At a = 0, b = 0, ∂y/∂a is 0·inf = NaN.
 */
function powPartials(ctx: DerivativeContext, a: ValueId, b: ValueId, y: ValueId, wantA: boolean, wantB: boolean) {
  const byA = wantA ? ctx.mul(b, ctx.emit1("pow", [a, ctx.sub(b, ctx.scalar(1))])) : null;
  const safeA = () => ctx.emit1("where", [ctx.emit1("eq", [a, ctx.scalar(0)]), ctx.scalar(1), a]);
  const byB = wantB ? ctx.mul(y, ctx.emit1("log", [safeA()])) : null;
  return { byA, byB };
}

export const pow: DerivativeRules = {
  jvp(ctx, [a, b], [y], [ta, tb]) {
    const { byA, byB } = powPartials(ctx, a, b, y, ta !== null, tb !== null);
    return [ctx.addOptional(whenPresent(ta, (t) => ctx.mul(t, byA!)), whenPresent(tb, (t) => ctx.mul(t, byB!)))];
  },
  vjp(ctx, [a, b], [y], [ct], _attrs, [wantA, wantB]) {
    const { byA, byB } = powPartials(ctx, a, b, y, wantA, wantB);
    return [whenPresent(byA, (p) => ctx.mul(ct!, p)), whenPresent(byB, (p) => ctx.mul(ct!, p))];
  },
};

/**
 * max and min pass the derivative of the operand they select. On ties (a == b, where neither has
 * a derivative) the first operand is chosen: max takes a where a >= b, min where a <= b.
 */
function selectingRules(firstWins: "ge" | "le"): DerivativeRules {
  return {
    jvp(ctx, [a, b], _outputs, [ta, tb]) {
      const mask = ctx.emit1(firstWins, [a, b]);
      return [ctx.emit1("where", [mask, ta ?? ctx.scalar(0), tb ?? ctx.scalar(0)])];
    },
    vjp(ctx, [a, b], _outputs, [ct], _attrs, [wantA, wantB]) {
      const mask = ctx.emit1(firstWins, [a, b]);
      const zero = ctx.scalar(0);
      return [wantA ? ctx.emit1("where", [mask, ct!, zero]) : null, wantB ? ctx.emit1("where", [mask, zero, ct!]) : null];
    },
  };
}

export const max = selectingRules("ge");
export const min = selectingRules("le");

/**
 * f32 mod is C's fmod: y = a - b·trunc(a/b), so ∂y/∂a = 1 and ∂y/∂b = -trunc(a/b) (the
 * quotient jumps where a/b is an integer; there the derivative does not exist). The quotient is
 * recovered from y as round((a - y) / b), which is exact where fmod is.
 */
function fmodQuotient(ctx: DerivativeContext, a: ValueId, b: ValueId, y: ValueId): ValueId {
  return ctx.emit1("round", [ctx.div(ctx.sub(a, y), b)]);
}

export const mod: DerivativeRules = {
  jvp(ctx, [a, b], [y], [ta, tb]) {
    if (tb === null) return [ta!];
    const fromB = ctx.mul(tb!, fmodQuotient(ctx, a, b, y));
    return [ta === null ? ctx.neg(fromB) : ctx.sub(ta!, fromB)];
  },
  vjp: (ctx, [a, b], [y], [ct], _attrs, [, wantB]) => [ct, wantB ? ctx.neg(ctx.mul(ct!, fmodQuotient(ctx, a, b, y))) : null],
};
