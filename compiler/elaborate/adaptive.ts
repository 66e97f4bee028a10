// `adaptive_solve(step, rhs, x0, ...)`: an ODE solve whose number of steps is decided at run
// time by an error estimate (std/solvers.flow's `dopri5` is one). flowc compiles everything else
// to fixed graphs, so the solve is split: the sampler's graph computes x0; the step
// (`step(x, t, h, f) -> (x_new, err, f_new)`, one embedded Runge-Kutta step written in .flow) and
// the right-hand side (`rhs(x, t)`) become graphs of their own; and the runtime's loop
// (runtime/adaptive.ts) accepts or rejects steps and picks their sizes, calling those graphs.
//
// Why a host-driven loop and not an ONNX `Loop` in the sampler graph: the IR has no subgraphs
// (every pass, the float64 interpreter, autodiff and the lowering work on one flat SSA list), and
// the controller is scalar bookkeeping (a norm, a comparison, a power) on one number per step for
// the whole batch, which the host does in float64 as torchdiffeq does in Python. The graphs stay
// plain straight-line ONNX, and the loop reports the NFE it measured (docs/language.md, "Solvers").

import { fail } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import type { ValueId } from "../ir/graph.js";
import { typesEqual, typeToString } from "../ir/types.js";
import { bind, float, int, numberArg, p, intArg, type EvaluatedArg } from "./builtin-args.js";
import { asTensor, emitTensor, tensorValue } from "./tensors.js";
import { describe, type Value } from "./values.js";
import type { Elaborator } from "./elaborator.js";

/** What the runtime's loop needs to know about one adaptive solve (recorded in the manifest). */
export interface AdaptiveSolve {
  readonly rtol: number;
  readonly atol: number;
  /** Integration from `start` to `end` (either direction). */
  readonly start: number;
  readonly end: number;
  /** The order q of the embedded error estimate: step factors are (1/err)^(1/(q+1)). */
  readonly errorOrder: number;
  /** Attempted steps (accepted and rejected) before the solve stops with an error. */
  readonly maxSteps: number;
  /** Graph inputs the loop feeds: the state x, the time t and step h (f32[]), and f = rhs(x, t). */
  readonly state: { readonly x: string; readonly t: string; readonly h: string; readonly f: string };
  /** Graph outputs of one step: the new state, the error estimate, and rhs at the new state (FSAL). */
  readonly step: { readonly x: string; readonly err: string; readonly f: string };
  /** The graph output of rhs(x, t). */
  readonly rhs: string;
  /** Model-function evaluations (NFE) of one step, and of one rhs. */
  readonly stepNfe: number;
  readonly rhsNfe: number;
}

export const SOLVE_STATE = { x: "solve.x", t: "solve.t", h: "solve.h", f: "solve.f" } as const;
export const SOLVE_STEP = { x: "solve.x_new", err: "solve.err", f: "solve.f_new" } as const;
export const SOLVE_RHS = "solve.rhs";

/** The sampler being built, while an adaptive solve may appear in it. */
export interface SolveContext {
  solve?: AdaptiveSolve;
  /** The value `adaptive_solve` returned: it must be the sampler's result. */
  result?: ValueId;
  span?: Span;
}

export function adaptiveSolveBuiltin(el: Elaborator, args: readonly EvaluatedArg[], span: Span): Value {
  const name = "adaptive_solve";
  const b = bind(name, [p("step"), p("rhs"), p("x0"), p("rtol"), p("atol"), p("error_order"), p("start", float(0)), p("end", float(1)), p("max_steps", int(10000))], args, span);
  const ctx = el.solveContext;
  // Where-it-may-appear errors point at the spec's call (`ode.dopri5(...)`), not into std.
  const site = el.userSite(span);
  if (!ctx)
    fail("E0711", site, "an adaptive ODE solve can only be the result of a sampler: the runtime runs its steps in a loop after the sampler's graph", {
      help: "call it as the last expression of a sampler, e.g. `sampler dopri5() -> f32[N, d] { x0 ~ normal([N, d]) ode.dopri5(velocity, x0) }`, and use that sampler in claims",
    });
  if (ctx.solve)
    fail("E0711", site, "a sampler can run only one adaptive solve", {
      help: "split it into two samplers, or use a fixed-grid solver (`ode.rk4`) for the other solve",
      notes: ctx.span ? [{ message: "the first adaptive solve is here", span: ctx.span }] : [],
    });
  const setting = (key: string, ok: (v: number) => boolean, what: string): number => {
    const v = numberArg(b, key, name);
    if (!Number.isFinite(v) || !ok(v)) fail("E0712", b[key]!.span, `\`${key}\` of an adaptive solve must be ${what}, found ${v}`, { help: SETTING_HELP[key] });
    return v;
  };
  const rtol = setting("rtol", (v) => v > 0, "a positive number");
  const atol = setting("atol", (v) => v > 0, "a positive number");
  const start = setting("start", () => true, "finite");
  const end = setting("end", (v) => v !== start, "different from `start`");
  const errorOrder = intArg(b, "error_order", name);
  if (errorOrder < 1) fail("E0712", b["error_order"]!.span, `\`error_order\` of an adaptive solve must be at least 1, found ${errorOrder}`, { help: SETTING_HELP["error_order"] });
  const maxSteps = intArg(b, "max_steps", name);
  if (maxSteps < 1) fail("E0712", b["max_steps"]!.span, `\`max_steps\` of an adaptive solve must be at least 1, found ${maxSteps}`, { help: SETTING_HELP["max_steps"] });

  const x0Arg = b["x0"]!;
  if (x0Arg.value.kind !== "tensor") fail("E0301", x0Arg.span, `the initial state of an adaptive solve must be a tensor, found ${describe(x0Arg.value)}`);
  const x0 = asTensor(el, x0Arg.value, x0Arg.span);
  if (x0.type.dtype !== "f32") fail("E0304", x0Arg.span, `the initial state of an adaptive solve must be f32, found ${typeToString(x0.type)}`);

  const builder = el.graphBuilder(span);
  const scalar = { dtype: "f32" as const, shape: [] };
  const x = tensorValue(el, builder.input(SOLVE_STATE.x, x0.type, "solver"));
  const t = tensorValue(el, builder.input(SOLVE_STATE.t, scalar, "solver"));
  const h = tensorValue(el, builder.input(SOLVE_STATE.h, scalar, "solver"));
  const f = tensorValue(el, builder.input(SOLVE_STATE.f, x0.type, "solver"));
  const arg = (value: Value, s: Span): EvaluatedArg => ({ value, span: s });

  const stateTensor = (v: Value | undefined, what: string, s: Span) => {
    if (!v || v.kind !== "tensor" || !typesEqual(v.type, x0.type))
      fail("E0300", s, `${what} must be a tensor shaped like the state, ${typeToString(x0.type)}, found ${v ? describe(v) : "nothing"}`, {
        help: "a step returns (x_new, err, f_new), each shaped like x; rhs(x, t) returns dx/dt shaped like x",
      });
    return v;
  };
  const stepSpan = b["step"]!.span;
  const [stepOut, stepNfe] = el.countingEvaluations(() => el.call(b["step"]!.value, [arg(x, stepSpan), arg(t, stepSpan), arg(h, stepSpan), arg(f, stepSpan)], stepSpan));
  if (stepOut.kind !== "tuple" || stepOut.items.length !== 3)
    fail("E0300", stepSpan, `the step of an adaptive solve must return (x_new, err, f_new), found ${describe(stepOut)}`, { help: "see `dopri5_step` in std/solvers.flow" });
  const [xNew, err, fNew] = stepOut.items.map((v, i) => stateTensor(v, ["the new state", "the error estimate", "the new derivative"][i]!, stepSpan));
  const rhsSpan = b["rhs"]!.span;
  const [rhsOut, rhsNfe] = el.countingEvaluations(() => el.call(b["rhs"]!.value, [arg(x, rhsSpan), arg(t, rhsSpan)], rhsSpan));
  const rhsValue = stateTensor(rhsOut, "the right-hand side rhs(x, t)", rhsSpan);

  builder.output(SOLVE_STEP.x, xNew!.id, "solver");
  builder.output(SOLVE_STEP.err, err!.id, "solver");
  builder.output(SOLVE_STEP.f, fNew!.id, "solver");
  builder.output(SOLVE_RHS, rhsValue.id, "solver");
  // A value of its own (an identity of x0): the sampler's result, which the runtime replaces by
  // the solve's final state. Returning x0 itself would make `solve(...); x0` indistinguishable.
  const result = emitTensor(el, "stop_grad", [x0.id], {}, span);
  ctx.solve = { rtol, atol, start, end, errorOrder, maxSteps, state: SOLVE_STATE, step: SOLVE_STEP, rhs: SOLVE_RHS, stepNfe, rhsNfe };
  ctx.result = result.id;
  ctx.span = site;
  return result;
}

const SETTING_HELP: Record<string, string> = {
  rtol: "tolerances are positive, e.g. `rtol: 1e-5, atol: 1e-5` (torchdiffeq's defaults are 1e-7 and 1e-9)",
  atol: "tolerances are positive, e.g. `rtol: 1e-5, atol: 1e-5` (torchdiffeq's defaults are 1e-7 and 1e-9)",
  start: "integrate between two different times, e.g. `start: 0.0, end: 1.0`",
  end: "integrate between two different times, e.g. `start: 0.0, end: 1.0`",
  error_order: "the order of the embedded error estimate (4 for Dormand-Prince 5(4))",
  max_steps: "give the cap on attempted steps as a positive int, e.g. `max_steps: 1000`",
};

/** The check after the sampler's body: the solve's result must be what the sampler returns. */
export function checkSolveResult(ctx: SolveContext, result: Value): void {
  if (!ctx.solve) return;
  const returned = result.kind === "tensor" ? result.id : undefined;
  if (returned !== ctx.result)
    fail("E0711", ctx.span!, "the result of an adaptive solve must be the sampler's result: the runtime runs the solve's loop after the sampler's graph, so nothing in the sampler can use it", {
      help: "end the sampler with the solve (`ode.dopri5(velocity, x0)`); map its points in a claim instead, e.g. `ae.decode(lfm.dopri5)`",
    });
}
