"""The PyTorch twin of specs/instaflow.flow's trainings, for bench/anchor.

Trains, as flowc does for that spec (shared definitions and what they match: toy2d.py), in
PyTorch eager on one thread:

  rf1       1-rectified flow: MLP(3, [64, 64, 64], 2, silu) on concat(x, t), independent coupling
            x0 ~ N(0, I), x1 ~ moons(noise 0.05); linear path x_t = t x1 + (1 - t) x0, t ~ U[0, 1),
            target x1 - x0, `mse_loss`. Adam lr 2e-3, cosine, EMA 0.995, batch 256, 6000 steps.
  pairs 1   20,000 pairs (z0, z1) of rf1's 100-step Euler sampler (EMA weights).
  rf2       reflow on pairs 1, from rf1's EMA weights (its EMA starts there too; Adam's state
            fresh: runtime/run.ts `startFrom`), the same loss, 3000 steps.
  pairs 2   20,000 pairs of rf2's 100-step Euler sampler.
  distill2  the one-step student of rf2: the same network from rf2's EMA weights, on pairs 2,
            loss mse_loss(v(z0, 0), z1 - z0); 3000 steps.
  distill1  the student of rf1, from rf1's EMA weights, on pairs 1 (the same pairs rf2 learns
            from: flowc generates `pairs(rf1.euler, n: 20000)` once); 3000 steps.

Samplers (EMA weights): rf1 with 100 and 1 Euler steps, rf2 with 100 (the spec compiles no
one-step sampler of rf2), and each student's one step z0 + v(z0, 0). Writes <sampler>.npy (float32 [draws * n, 2]) and result.json to --out.
"""

import torch

import toy2d as T

TRAININGS = ["rf1", "rf2", "distill2", "distill1"]
DEFAULT_STEPS = {"rf1": 6000, "rf2": 3000, "distill2": 3000, "distill1": 3000}


def main():
    a, steps, result = T.start(__doc__, TRAININGS, DEFAULT_STEPS)
    d, width, lr, ema, batch, n_pairs = 2, 64, 2e-3, 0.995, 256, 20000

    def student_loss(net, draw):
        def loss(_step):
            z0, z1 = draw(batch)
            return T.mse_loss(T.velocity_of(net)(z0, torch.zeros(batch)), z1 - z0)
        return loss

    runs = T.Runs(lambda: T.mlp(d + 1, width, d), steps, lr, ema, result)
    fresh, run, emas = runs.fresh, runs.run, runs.ema

    def make_pairs(name, net):
        z0, z1, result[f"pairs_{name}_seconds"] = T.make_pairs(T.velocity_of(net), n_pairs, d)
        return T.pair_sampler(z0, z1)

    def sample(name, net, k):
        T.save(a.out, name, T.euler(T.velocity_of(net), torch.randn(a.draws * a.n, d), k))

    net1 = fresh()
    rf1 = run("rf1", net1, T.flow_loss(net1, lambda b: (torch.randn(b, d), T.moons(b)), batch))
    sample("rf1_euler100", rf1, 100)
    sample("rf1_euler1", rf1, 1)
    pairs1 = make_pairs("rf1", rf1)

    net2 = fresh(emas["rf1"])
    rf2 = run("rf2", net2, T.flow_loss(net2, pairs1, batch))
    sample("rf2_euler100", rf2, 100)
    pairs2 = make_pairs("rf2", rf2)

    s2 = fresh(emas["rf2"])
    distill2 = run("distill2", s2, student_loss(s2, pairs2))
    sample("distill2_one_step", distill2, 1)

    s1 = fresh(emas["rf1"])
    distill1 = run("distill1", s1, student_loss(s1, pairs1))
    sample("distill1_one_step", distill1, 1)

    result["pairs_seconds"] = result["pairs_rf1_seconds"] + result["pairs_rf2_seconds"]
    T.finish(a.out, result)


if __name__ == "__main__":
    main()
