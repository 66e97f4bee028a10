"""The PyTorch twin of specs/rectified-diffusion.flow's trainings, for bench/anchor.

Trains, as flowc does for that spec (shared definitions and what they match: toy2d.py), in
PyTorch eager on one thread, every network MLP(3, [64, 64, 64], 2, silu) on concat(x, t), Adam
lr 2e-3, cosine, EMA 0.995, batch 256:

  base     the diffusion model on the trig VP path (std/flow.flow `trig_path`, `trig_schedule`):
           x_t = sin(pi t / 2) x1 + cos(pi t / 2) x0, target (pi/2)(cos(pi t / 2) x1 -
           sin(pi t / 2) x0), t ~ U[0, 1), x0 ~ N(0, I), x1 ~ moons(0.05); `mse_loss`; 6000 steps.
  pairs    20,000 pairs of base's 100-step DDIM (EMA weights): x <- cos(pi h / 2) x +
           sin(pi h / 2) / (pi / 2) v(x, t) on the uniform grid (the spec's `ddim_step`).
  rd       Rectified Diffusion: from base's EMA weights (EMA from there, fresh Adam), on the pairs,
           the same path; x1_hat = sin(pi t / 2) x_t + cos(pi t / 2) v / (pi / 2) and the
           elementwise pseudo-Huber loss mean(sqrt((x1_hat - x1)^2 + c^2) - c), c = 0.001, the
           mean over every element (std/flow.flow `elementwise_pseudo_huber_loss`); 3000 steps.
  reflow   linear reflow from base's EMA weights on the same pairs: linear path, `mse_loss`,
           3000 steps; Euler sampler.

Writes to --out (float32 [draws * n, 2]): rd_ddim1, reflow_euler1, base_ddim1, base_ddim100 and
result.json.
"""
import json
import math
import time

import torch

import toy2d as T

TRAININGS = ["base", "rd", "reflow"]
DEFAULT_STEPS = {"base": 6000, "rd": 3000, "reflow": 3000}
W = 0.5 * math.pi


@torch.no_grad()
def ddim(velocity, x0, steps):
    """The spec's `ode.solve(ddim_step, velocity, x0, ode.uniform_grid(steps))`."""
    grid = [i / steps for i in range(steps + 1)]
    x = x0
    for i in range(steps):
        h = grid[i + 1] - grid[i]
        x = math.cos(W * h) * x + math.sin(W * h) / W * velocity(x, torch.full((x.shape[0],), grid[i]))
    return x


def main():
    a, steps, result = T.start(__doc__, TRAININGS, DEFAULT_STEPS)
    d, width, lr, ema, batch, n_pairs, huber_c = 2, 64, 2e-3, 0.995, 256, 20000, 0.001

    velocity_of = T.velocity_of

    def trig_loss(net, draw, objective):
        def loss(_step):
            x0, x1 = draw(batch)
            t = torch.rand(batch)
            alpha, sigma = torch.sin(W * t)[:, None], torch.cos(W * t)[:, None]
            xt = alpha * x1 + sigma * x0
            pred = velocity_of(net)(xt, t)
            if objective == "x_huber":
                x1_hat = alpha * xt + sigma * pred / W
                return (torch.sqrt((x1_hat - x1) ** 2 + huber_c ** 2) - huber_c).mean()
            return T.mse_loss(pred, W * sigma * x1 - W * alpha * x0)
        return loss

    runs = T.Runs(lambda: T.mlp(d + 1, width, d), steps, lr, ema, result)
    fresh, run, emas = runs.fresh, runs.run, runs.ema

    def save(name, x):
        T.save(a.out, name, x)

    m = a.draws * a.n
    net = fresh()
    base = run("base", net, trig_loss(net, lambda b: (torch.randn(b, d), T.moons(b)), "velocity"))
    save("base_ddim100", ddim(velocity_of(base), torch.randn(m, d), 100))
    save("base_ddim1", ddim(velocity_of(base), torch.randn(m, d), 1))
    start = time.perf_counter()
    z0 = torch.randn(n_pairs, d)
    z1 = ddim(velocity_of(base), z0, 100)
    result["pairs_seconds"] = time.perf_counter() - start
    pairs = T.pair_sampler(z0, z1)

    net = fresh(emas["base"])
    rd = run("rd", net, trig_loss(net, pairs, "x_huber"))
    save("rd_ddim1", ddim(velocity_of(rd), torch.randn(m, d), 1))

    net = fresh(emas["base"])
    reflow = run("reflow", net, T.flow_loss(net, pairs, batch))
    save("reflow_euler1", T.euler(velocity_of(reflow), torch.randn(m, d), 1))

    T.finish(a.out, result)


if __name__ == "__main__":
    main()
