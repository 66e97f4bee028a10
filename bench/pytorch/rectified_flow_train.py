"""The PyTorch twin of specs/rectified-flow.flow's trainings, for bench/anchor.

Trains 1-rectified flow (and, unless --skip-reflow, 2-rectified flow on pairs of its sampler) the
way flowc does for that spec, in PyTorch eager on one thread, and writes samples for bench/anchor
to compare by W2 against flowc's. Everything is matched to flowc, not to a library default (the
shared definitions: toy2d.py):

  model      MLP (d + 1) -> width -> width -> width -> d, SiLU between layers (not after the last),
             input concat(x, t[:, None]); nn.Linear's default init, U(-1/sqrt(fan_in), +...) for
             weights and biases, which is std/nn.flow's `Linear` init. 2-RF starts from the same
             initial weights as 1-RF (flowc initializes both trainings of the model `rf` from one
             compile seed, so their initial values are identical).
  data       two moons exactly as runtime/data/toy.ts: angle ~ U[0, pi), upper half with prob. 1/2,
             (cos a, sin a) or (1 - cos a, 0.5 - sin a), plus N(0, 0.05^2) per coordinate; no
             centering or scaling. 1-RF: x0 ~ N(0, I) independent of x1 (`independent(moons)`).
             2-RF: batches drawn uniformly with replacement from 20,000 pairs (z0, z1) of 1-RF's
             100-step Euler sampler with EMA weights (`pairs(rf1.euler, n: 20000)`).
  loss       linear path x_t = t x1 + (1 - t) x0, t ~ U[0, 1), target x1 - x0; squared error summed
             over the features and averaged over the batch (std/flow.flow `mse_loss`).
  optimizer  torch.optim.Adam(lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay): the same
             update as std/optim.flow `adam`.
  schedule   lr at 1-based step k = lr * 0.5 (1 + cos(pi * min(1, k / steps))), no warm-up
             (runtime/schedule.ts, warmup 0): the first step already uses a factor below 1 and the
             last one uses 0. (torch's CosineAnnealingLR is one step behind this, so it is not used.)
  EMA        ema <- 0.999 ema + 0.001 p after every optimizer step, on the updated weights, starting
             from the initial weights, no bias correction (compiler/train/train-step.ts with
             std/optim.flow `ema_update`). Samplers use the EMA weights.
  sampler    x0 ~ N(0, I); Euler on the uniform grid i / steps, x <- x + h v(x, t_i).

Writes to --out: rf1_euler100.npy, rf1_euler1.npy, rf2_euler1.npy, rf2_euler100.npy (float32
[draws * n, 2]: `draws` sets of n samples from independent noise, one after the other) and
result.json (training seconds, final losses, versions). Prints result.json's content as its last
line.
"""
import argparse
import json
import os

import torch

import toy2d as T


def mlp(d, width):
    return T.mlp(d + 1, width, d)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="directory for the samples and result.json")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=10000, help="training steps of each training (the cosine schedule spans them)")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--pairs", type=int, default=20000, help="reflow pairs from 1-RF's 100-step Euler sampler")
    p.add_argument("--n", type=int, default=1000, help="samples per set")
    p.add_argument("--draws", type=int, default=1, help="sets of n samples written per sampler")
    p.add_argument("--skip-reflow", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    d = 2

    def save(name, x):
        T.save(a.out, name, x)

    net1 = mlp(d, a.width)
    initial = {k: v.detach().clone() for k, v in net1.state_dict().items()}
    ema1, seconds1, loss1 = T.train(net1, T.flow_loss(net1, lambda b: (torch.randn(b, d), T.moons(b)), a.batch), a.steps, a.lr, a.ema)
    rf1 = T.velocity_of(T.loaded(mlp(d, a.width), ema1))
    save("rf1_euler100", T.euler(rf1, torch.randn(a.draws * a.n, d), 100))
    save("rf1_euler1", T.euler(rf1, torch.randn(a.draws * a.n, d), 1))
    result = {"seed": a.seed, "steps": a.steps, "rf1_seconds": seconds1, "rf1_last_loss": loss1, "torch": torch.__version__, "threads": torch.get_num_threads()}

    if not a.skip_reflow:
        z0, z1, result["pairs_seconds"] = T.make_pairs(rf1, a.pairs, d)

        net2 = mlp(d, a.width)
        net2.load_state_dict(initial)
        ema2, seconds2, loss2 = T.train(net2, T.flow_loss(net2, T.pair_sampler(z0, z1), a.batch), a.steps, a.lr, a.ema)
        rf2 = T.velocity_of(T.loaded(mlp(d, a.width), ema2))
        save("rf2_euler1", T.euler(rf2, torch.randn(a.draws * a.n, d), 1))
        save("rf2_euler100", T.euler(rf2, torch.randn(a.draws * a.n, d), 100))
        result.update({"rf2_seconds": seconds2, "rf2_last_loss": loss2})

    with open(os.path.join(a.out, "result.json"), "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
