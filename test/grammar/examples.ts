// Example programs shared by the grammar tests.

export const MAIN_EXAMPLE = `use std.nn.{MLP, Linear as Lin}
use std.optim.adam
use "./blocks.flow" as blocks

let width = 256   // a constant

/* Velocity field */
module Velocity(d: int, width: int = 256, act: fn = silu) {
  net = MLP(in: d + 1, hidden: [width, width, width], out: d, act: act)
  param scale: f32[d] = 1.0
  state count: i32 = 0
  if d > 2 { let extra = 1; assert d % 2 == 0, "even" } else { let extra = 0 }
  fn (x: f32[B, d], t: f32[B]) -> f32[B, d] = net(concat(x, t[:, None], axis: -1)) * scale
  fn energy(x: f32[B, d]) -> f32[B] {
    let e = sum(x^2, axis: -1)
    set count = count + 1
    -e / 2
  }
}

model rf(d: int = 2, norm: "pre" | "post" | "peri" = "pre") {
  v = Velocity(d)
  blocks = [Block(d) for i in range(4)]
  loss (x1: f32[B, d]) {
    x0 ~ normal([B, d])
    t  ~ uniform([B])
    let xt = t[:, None] * x1 + (1 - t[:, None]) * x0
    let (a, b) = (xt, x0)
    mean(sum((v(xt, t) - (x1 - x0))^2, axis: -1))
  }
  sampler euler(n: int = 100) -> f32[N, d] {
    let dt = 1.0 / n; assert n > 0
    x0 ~ normal([N, d])
    x0
  }
}

data moons = toy.moons(noise: 0.05)
train rf on moons { optimizer: adam(lr: 1e-3), batch: 256, steps: 5_000, ema: 0.999 }
expect "one Euler step after reflow beats before" { metric: w2(sample(rf, steps: 1), moons), below: 0.1, seed: 0 }
fn gelu(x: f32[...]) -> f32[...] = 0.5 * x * (1 + erf(x / sqrt(2.0)))
fn pick(x: f32[B, T, d]) = x[..., 1:-1:2, 0] + x[:, ::2][0]
let f = fn (x, t) => v(x, t)
let g = if width > 2 { 1 } else if width > 1 { 2 } else { 3 }
`;
