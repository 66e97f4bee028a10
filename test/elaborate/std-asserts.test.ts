// The preconditions the standard library states with `assert`: each misuse fails with E0309 at
// the std assert, the values it read, and a note at the user's line; the nearest valid values
// compile. (The messages themselves are specified by std/*.flow; fixtures under
// test/fixtures/bad/std-uses/ show the rendered form.)

import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { hasErrors } from "../../compiler/diagnostics/index.js";

const ENTRY = "test/elaborate/std-asserts.flow";

/** A spec with one model using `member` (a module item) and, optionally, a trained optimizer. */
function spec(uses: string, member: string, forward: string, optimizer?: string): string {
  return `${uses}
data moons = toy.moons()
model m {
  ${member}
  fn forward(x: f32[B, T, 8]) -> f32[B, T, 8] = ${forward}
  loss (x: f32[B, 2]) { mean(x^2 * w) }
  param w: f32[2] = 1.0
}
${optimizer ? `train t = m on moons { optimizer: ${optimizer}, steps: 1 }` : ""}
`;
}

function failure(text: string): { message: string; file: string; values?: string; use?: { line: number; message: string } } | undefined {
  const result = compile({ entry: ENTRY, text, stage: "ir" });
  if (!hasErrors(result.diagnostics)) return undefined;
  expect(result.diagnostics).toHaveLength(1);
  const d = result.diagnostics[0]!;
  expect(d.code, d.message).toBe("E0309");
  const use = d.notes.find((n) => n.span?.file === ENTRY);
  return {
    message: d.message,
    file: d.span.file,
    values: d.notes.find((n) => !n.span)?.message,
    use: use && { line: use.span!.line, message: use.message },
  };
}

const ATTENTION = "use std.nn.MultiHeadAttention\nuse std.attention.{FlowAttention, HybridAttention}\nuse std.norm.PowerNorm\nuse std.optim.{sgd, adam, adamw, adamp, sgdp}";

describe("standard library preconditions", () => {
  const moduleCases: [string, string, string, string, string][] = [
    // [what, bad member, good member, message, values]
    ["MultiHeadAttention heads", "a = MultiHeadAttention(8, heads: 3)", "a = MultiHeadAttention(8, heads: 4)", "d must be a multiple of heads: each head gets d / heads channels", "for d = 8, heads = 3"],
    ["MultiHeadAttention heads >= 1", "a = MultiHeadAttention(8, heads: 0)", "a = MultiHeadAttention(8, heads: 1)", "heads must be at least 1", "for heads = 0"],
    ["FlowAttention heads", "a = FlowAttention(8, 3)", "a = FlowAttention(8, 2)", "d must be a multiple of heads: each head gets d / heads channels", "for d = 8, heads = 3"],
    ["HybridAttention heads", "a = HybridAttention(8, 3)", "a = HybridAttention(8, 8)", "d must be a multiple of heads: each head gets d / heads channels", "for d = 8, heads = 3"],
    ["HybridAttention chunk", "a = HybridAttention(8, 2, chunk: 0)", "a = HybridAttention(8, 2, chunk: 1)", "chunk must be at least 1 token", "for chunk = 0"],
    ["PowerNorm groups", "a = PowerNorm(8, groups: 3)", "a = PowerNorm(8, groups: 8)", "groups must divide d: each group gets d / groups channels", "for d = 8, groups = 3"],
  ];
  for (const [what, bad, good, message, values] of moduleCases) {
    it(what, () => {
      const forward = what.startsWith("PowerNorm") ? "a(x, ones_like(x[:, :, 0]))" : "a(x)";
      const f = failure(spec(ATTENTION, bad, forward));
      expect(f).toMatchObject({ message, use: { line: 7, message: expect.stringContaining("(the error is inside the standard library)") } });
      expect(f!.values).toMatch(new RegExp(`${values.replace(/[()[\]]/g, "\\$&")}$`));
      expect(failure(spec(ATTENTION, good, forward))).toBeUndefined();
    });
  }

  const optimizerCases: [string, string, string, string][] = [
    ["sgd nesterov", "sgd(nesterov: true)", "sgd(nesterov: true, momentum: 0.9)", "Nesterov momentum requires a momentum and zero dampening"],
    ["sgd nesterov dampening", "sgd(nesterov: true, momentum: 0.9, dampening: 0.1)", "sgd(momentum: 0.9, dampening: 0.1)", "Nesterov momentum requires a momentum and zero dampening"],
    ["sgd momentum", "sgd(momentum: -0.1)", "sgd(momentum: 0.0)", "momentum must be at least 0"],
    ["adam beta1", "adam(beta1: 1.0)", "adam(beta1: 0.0)", "beta1 must be in [0, 1)"],
    ["adam beta2", "adam(beta2: -0.5)", "adam(beta2: 0.5)", "beta2 must be in [0, 1)"],
    ["adam eps", "adam(eps: -1e-8)", "adam(eps: 0.0)", "eps must be at least 0"],
    ["adamw weight_decay", "adamw(weight_decay: -0.01)", "adamw(weight_decay: 0.0)", "weight_decay must be at least 0"],
    ["adamp beta1", "adamp(beta1: 1.0)", "adamp(beta1: 0.5)", "beta1 must be in [0, 1)"],
    ["sgdp momentum with weight decay", "sgdp(momentum: 1.0, weight_decay: 0.1)", "sgdp(momentum: 1.0)", "momentum must be below 1 when weight_decay is used"],
    ["adamp channel_axis", "adamp(channel_axis: -3)", "adamp(channel_axis: -2)", "channel_axis must be an axis of every weight with two or more axes"],
  ];
  for (const [what, bad, good, message] of optimizerCases) {
    it(what, () => {
      const text = (optimizer: string) => spec(`${ATTENTION}\nuse std.nn.Linear`, "lin = Linear(2, 2)", "x", optimizer).replace("mean(x^2 * w)", "mean(lin(x)^2 * w)");
      expect(failure(text(bad))).toMatchObject({ message, file: "std/optim.flow", use: { line: 13 } });
      expect(failure(text(good))).toBeUndefined();
    });
  }

  const functionCases: [string, string, string, string][] = [
    ["uniform_grid", "euler(fn (x, t) => x, x0, uniform_grid(0))", "euler(fn (x, t) => x, x0, uniform_grid(1))", "a grid needs at least 1 step"],
    ["gibbs_weights", "x0 * gibbs_weights(x0, x0, 0.0)[:, None]", "x0 * gibbs_weights(x0, x0, 1e-3)[:, None]", "the entropic regularization epsilon must be positive"],
    ["normalized_gibbs_weights", "x0 * normalized_gibbs_weights(x0, x0, -1.0)[:, None]", "x0 * normalized_gibbs_weights(x0, x0, 1.0)[:, None]", "the entropic regularization epsilon must be positive"],
    ["sinkhorn_plan", "sinkhorn_plan(x0, x0, 0.0, iterations: 2) @ x0", "sinkhorn_plan(x0, x0, 0.5, iterations: 2) @ x0", "the entropic regularization epsilon must be positive"],
    ["exponential_time", "x0 * exponential_time(x0[:, :1], a: 0.0)", "x0 * exponential_time(x0[:, :1], a: -1.0)", "a must not be 0 (the density divides by it; a = 0 is uniform_time)"],
    ["u_shaped_time", "x0 * u_shaped_time(x0[:, :1], a: 0.0)", "x0 * u_shaped_time(x0[:, :1], a: 0.5)", "a must not be 0 (the inverse CDF divides by it; a = 0 is uniform_time)"],
    ["discrete_time", "x0 * discrete_time(x0[:, :1], 0)", "x0 * discrete_time(x0[:, :1], 1)", "steps must be at least 1"],
  ];
  for (const [what, bad, good, message] of functionCases) {
    it(what, () => {
      const text = (body: string) => `use std.solvers.{euler, uniform_grid}
use std.flow.{gibbs_weights, normalized_gibbs_weights, sinkhorn_plan, exponential_time, u_shaped_time, discrete_time}
model m {
  sampler s() -> f32[N, 2] {
    x0 ~ normal([N, 2])
    ${body}
  }
}
`;
      expect(failure(text(bad))).toMatchObject({ message, use: { line: 6 } });
      expect(failure(text(good))).toBeUndefined();
    });
  }
});
