"""The PyTorch twin of specs/rfpp.flow's 2-D trainings ("one reflow is enough"), for bench/anchor.

Trains, as flowc does for that spec (shared definitions and what they match: toy2d.py), in
PyTorch eager on one thread:

  rf1      1-rectified flow: MLP(3, [64, 64, 64], 2, silu) on concat(x, t), independent coupling
           x0 ~ N(0, I), x1 ~ moons(noise 0.05); linear path x_t = t x1 + (1 - t) x0, t ~ U[0, 1),
           target x1 - x0, `mse_loss`. Adam lr 2e-3, cosine, EMA 0.995, batch 256, 6000 steps.
  pairs 1  20,000 pairs (z0, z1) of rf1's 100-step Euler sampler (EMA weights).
  rf2      reflow on pairs 1, from rf1's EMA weights (its EMA starts there too; Adam's state
           fresh: runtime/run.ts `startFrom`), the same loss, 3000 steps.
  pairs 2  20,000 pairs of rf2's 100-step Euler sampler.
  rf3      the second reflow, on pairs 2, from rf2's EMA weights, 3000 steps.

The spec's 32-d trainings (base32, reflow32, rfpp32) are not part of the anchor.

Samplers (EMA weights): each model's one Euler step (the spec's claims) and rf1's 100 steps.
Writes <sampler>.npy (float32 [draws * n, 2]) and result.json to --out.
"""

import torch

import toy2d as T

TRAININGS = ["rf1", "rf2", "rf3"]
DEFAULT_STEPS = {"rf1": 6000, "rf2": 3000, "rf3": 3000}


def main():
    a, steps, result = T.start(__doc__, TRAININGS, DEFAULT_STEPS)
    d, width, lr, ema, batch, n_pairs = 2, 64, 2e-3, 0.995, 256, 20000

    runs = T.Runs(lambda: T.mlp(d + 1, width, d), steps, lr, ema, result)

    def sample(name, net, k):
        T.save(a.out, name, T.euler(T.velocity_of(net), torch.randn(a.draws * a.n, d), k))

    def reflow(name, teacher_name, teacher):
        z0, z1, result[f"pairs_{teacher_name}_seconds"] = T.make_pairs(T.velocity_of(teacher), n_pairs, d)
        net = runs.fresh(runs.ema[teacher_name])
        return runs.run(name, net, T.flow_loss(net, T.pair_sampler(z0, z1), batch))

    net1 = runs.fresh()
    rf1 = runs.run("rf1", net1, T.flow_loss(net1, lambda b: (torch.randn(b, d), T.moons(b)), batch))
    sample("rf1_euler100", rf1, 100)
    sample("rf1_euler1", rf1, 1)
    rf2 = reflow("rf2", "rf1", rf1)
    sample("rf2_euler1", rf2, 1)
    rf3 = reflow("rf3", "rf2", rf2)
    sample("rf3_euler1", rf3, 1)

    result["pairs_seconds"] = result["pairs_rf1_seconds"] + result["pairs_rf2_seconds"]
    T.finish(a.out, result)


if __name__ == "__main__":
    main()
