// The configuration block of a `train` declaration, checked key by key.
//
//   train rf on moons { optimizer: adam(lr: 1e-3), batch: 256, steps: 5000, ema: 0.999 }

import type * as A from "../../grammar/ast.js";
import { fail } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import type { Elaborator, Frame } from "../elaborate/elaborator.js";
import type { ModuleInstance } from "../elaborate/module-instance.js";
import { describe, type Value } from "../elaborate/values.js";

export type Schedule = "constant" | "cosine" | "linear";

export interface TrainConfig {
  readonly optimizer: ModuleInstance;
  /** Where the spec gives the optimizer (`adam(lr: 1e-3)`), for errors inside its update. */
  readonly optimizerSpan: Span;
  readonly batch: number;
  readonly steps: number;
  /** Steps under `flowc check --fast` (default: a fifth of `steps`). */
  readonly fastSteps: number;
  readonly seed: number;
  /** Decay of the exponential moving average of the weights; 0 for none. */
  readonly ema: number;
  /** Global gradient-norm clipping threshold; 0 for none. */
  readonly clip: number;
  /** The learning-rate schedule applied to the optimizer's `lr` by the runtime. */
  readonly schedule: Schedule;
  readonly warmup: number;
  /** Steps between progress reports and loss-curve points. */
  readonly logEvery: number;
  /** `init: rf2`: start from the weights another training reached (its EMA weights if it keeps one). */
  readonly init?: { readonly training: string; readonly decl: A.TrainDecl; readonly span: Span };
}

const KEYS = ["optimizer", "batch", "steps", "fast_steps", "seed", "ema", "clip", "schedule", "warmup", "log_every", "init"] as const;

export function readTrainConfig(el: Elaborator, decl: A.TrainDecl, frame: Frame, instantiate: (e: A.Expr, path: string) => ModuleInstance): TrainConfig {
  const entries = new Map<string, A.ConfigEntry>();
  for (const entry of decl.config) {
    if (!(KEYS as readonly string[]).includes(entry.key.name))
      fail("E0705", entry.key.span, `\`${entry.key.name}\` is not a training setting`, { help: `the settings are ${KEYS.map((k) => `\`${k}\``).join(", ")}` });
    if (entries.has(entry.key.name)) fail("E0705", entry.key.span, `\`${entry.key.name}\` is set twice`);
    entries.set(entry.key.name, entry);
  }
  const number = (key: string, fallback: number, check: (n: number) => boolean, what: string): number => {
    const entry = entries.get(key);
    if (!entry) return fallback;
    const v: Value = el.expr(entry.value, frame);
    if ((v.kind !== "int" && v.kind !== "float") || !check(v.value)) fail("E0705", entry.value.span, `\`${key}\` must be ${what}, found ${describe(v)}`);
    return v.value;
  };
  const optimizerEntry = entries.get("optimizer");
  if (!optimizerEntry)
    fail("E0705", decl.span, "a `train` declaration needs an `optimizer`", { help: "add e.g. `optimizer: adam(lr: 1e-3)` (from `use std.optim.adam`)" });
  const optimizer = instantiate(optimizerEntry.value, "optimizer");
  for (const fn of ["init", "update"])
    if (!optimizer.fns.has(fn))
      fail("E0707", optimizerEntry.value.span, `\`${optimizer.decl.name.name}\` is not an optimizer: it has no \`${fn}\` function`, {
        help: "an optimizer module has `fn init(p) -> state` and `fn update(p, g, state, step) -> (p', state')`; see std/optim.flow",
      });
  const scheduleEntry = entries.get("schedule");
  let schedule: Schedule = "constant";
  if (scheduleEntry) {
    const v = el.expr(scheduleEntry.value, frame);
    if (v.kind !== "str" || !["constant", "cosine", "linear"].includes(v.value))
      fail("E0705", scheduleEntry.value.span, `\`schedule\` must be "constant", "cosine" or "linear", found ${describe(v)}`);
    schedule = v.value as Schedule;
  }
  const initEntry = entries.get("init");
  let init: TrainConfig["init"];
  if (initEntry) {
    const v = el.expr(initEntry.value, frame);
    if (v.kind !== "training")
      fail("E0705", initEntry.value.span, `\`init\` names the training whose weights this one starts from, found ${describe(v)}`, { help: "name it: `train rf2 = rf on ... { init: rf1 }`" });
    if (v.decl === decl) fail("E0705", initEntry.value.span, "a training cannot start from its own weights");
    init = { training: v.name, decl: v.decl, span: initEntry.value.span };
  }
  const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
  // 0 steps is allowed: the model keeps its initial weights (claims about untrained models).
  const steps = number("steps", 1000, (n) => Number.isInteger(n) && n >= 0, "a non-negative int");
  return {
    optimizer,
    optimizerSpan: optimizerEntry.value.span,
    batch: number("batch", 256, positiveInt, "a positive int"),
    steps,
    fastSteps: number("fast_steps", Math.ceil(steps / 5), (n) => Number.isInteger(n) && n >= 0 && n <= steps, `a non-negative int at most \`steps\` (${steps})`),
    seed: number("seed", 0, (n) => Number.isInteger(n) && n >= 0, "a non-negative int"),
    ema: number("ema", 0, (n) => n >= 0 && n < 1, "a decay in [0, 1)"),
    clip: number("clip", 0, (n) => n >= 0, "a non-negative number"),
    schedule,
    warmup: number("warmup", 0, (n) => Number.isInteger(n) && n >= 0, "a non-negative int"),
    logEvery: number("log_every", 50, positiveInt, "a positive int"),
    ...(init ? { init } : {}),
  };
}

export function configSpan(decl: A.TrainDecl, key: string): Span {
  return decl.config.find((c) => c.key.name === key)?.span ?? decl.span;
}
