"""What the PyTorch twins of flowc's 2-D specs share (bench/anchor): data, MLP, training loop,
Euler, the schedule and EMA, each matched to flowc's definition, not to a library default.

  data       runtime/data/toy.ts: two moons (angle ~ U[0, pi), upper half with prob. 1/2,
             (cos a, sin a) or (1 - cos a, 0.5 - sin a), + N(0, noise^2) per coordinate) and eight
             Gaussians (class k ~ U{0..7}, centre radius (cos k pi/4, sin k pi/4), + N(0, std^2)).
  model      std/nn.flow `MLP(d_in, [w, w, w], d_out, act: silu)`: Linear layers with SiLU between
             them (not after the last); `Linear`'s init U(+-1/sqrt(d_in)) for weights and biases
             is nn.Linear's default. `Embedding` is N(0, 1), nn.Embedding's default.
  schedule   runtime/schedule.ts "cosine", warmup 0: lr at 1-based step k is
             lr * 0.5 (1 + cos(pi * min(1, k / steps))) (torch's CosineAnnealingLR is one step behind).
  optimizer  std/optim.flow `adam`: torch.optim.Adam(betas (0.9, 0.999), eps 1e-8, no weight decay).
  EMA        ema <- decay ema + (1 - decay) p after every optimizer step on the updated weights,
             from the initial weights (or, for a training started with `init:`, from those),
             no bias correction (compiler/train/train-step.ts, std/optim.flow `ema_update`).
  samplers   use the EMA weights; Euler on std/solvers.flow `uniform_grid(steps)`, i / steps.
  pairs      `pairs(sampler, n)`: n noise points z0 and the sampler's outputs z1; a training on
             them draws its batches uniformly with replacement.
"""
import argparse
import json
import math
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402


def moons(n, noise=0.05, scale=1.0):
    """`toy.moons(noise, scale)`: `scale` multiplies every point, noise included."""
    angle = math.pi * torch.rand(n)
    upper = torch.rand(n) < 0.5
    x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
    y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
    return scale * (torch.stack([x, y], dim=1) + noise * torch.randn(n, 2))


def gaussians8(n, radius=2.0, std=0.02):
    """Points [n, 2] and their classes [n] (int64)."""
    k = torch.floor(torch.rand(n) * 8).long()
    angle = k.to(torch.float32) * (math.pi / 4)
    centre = radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    return centre + std * torch.randn(n, 2), k


def mlp(d_in, width, d_out, hidden=3):
    layers = []
    widths = [d_in] + [width] * hidden
    for i in range(hidden):
        layers += [torch.nn.Linear(widths[i], widths[i + 1]), torch.nn.SiLU()]
    layers.append(torch.nn.Linear(width, d_out))
    return torch.nn.Sequential(*layers)


def lr_factor(step, steps):
    """runtime/schedule.ts `scheduleFactor` for "cosine" with warmup 0; `step` is 1-based."""
    progress = min(1.0, max(0.0, step / max(1, steps)))
    return 0.5 * (1 + math.cos(math.pi * progress))


def train(module, loss_fn, steps, lr, ema_decay):
    """Trains `module` in place with Adam on the cosine schedule; loss_fn(step) -> scalar loss
    (it draws its own batch). Returns (EMA weights as a state dict, seconds, last loss)."""
    params = list(module.parameters())
    ema = [p.detach().clone() for p in params]
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    last = float("nan")
    start = time.perf_counter()
    for step in range(1, steps + 1):
        for group in opt.param_groups:
            group["lr"] = lr * lr_factor(step, steps)
        loss = loss_fn(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            torch._foreach_mul_(ema, ema_decay)
            torch._foreach_add_(ema, params, alpha=1 - ema_decay)
        if step == steps:
            last = loss.item()
    seconds = time.perf_counter() - start
    names = [name for name, _ in module.named_parameters()]
    return dict(zip(names, ema)), seconds, last


class Runs:
    """The trainings of one twin, all with the same Adam, cosine schedule and EMA: fresh networks
    (new initial weights, or a copy of given ones, as `init:` starts from a trained model's EMA
    weights), trained by `run`, which keeps each training's EMA weights in `ema[name]` and writes
    its seconds and last loss into `result` (as `<name>_seconds`, `<name>_last_loss`)."""

    def __init__(self, make_net, steps, lr, ema_decay, result):
        self.make_net, self.steps, self.lr, self.ema_decay, self.result = make_net, steps, lr, ema_decay, result
        self.ema = {}

    def fresh(self, state=None):
        net = self.make_net()
        if state is not None:
            net.load_state_dict(state)
        return net

    def run(self, name, net, loss):
        """Trains `net` in place for steps[name] steps; returns a network with its EMA weights."""
        self.ema[name], self.result[f"{name}_seconds"], self.result[f"{name}_last_loss"] = train(net, loss, self.steps[name], self.lr, self.ema_decay)
        return loaded(self.fresh(), self.ema[name])


def mse_loss(pred, target):
    """std/flow.flow `mse_loss`: squared error summed over the features, mean over the batch."""
    return ((pred - target) ** 2).sum(-1).mean()


def velocity_of(net):
    """The velocity of the specs' models: the network on concat(x, t[:, None])."""
    return lambda x, t: net(torch.cat([x, t[:, None]], dim=-1))


def flow_loss(net, draw, batch):
    """The rectified-flow loss on batches of draw(batch) -> (x0, x1), drawn before t: the linear
    path x_t = t x1 + (1 - t) x0 with t ~ U[0, 1) (std/flow.flow `linear_path`), `mse_loss` on
    the velocity x1 - x0."""
    def loss(_step):
        x0, x1 = draw(batch)
        t = torch.rand(batch)
        xt = t[:, None] * x1 + (1 - t[:, None]) * x0
        return mse_loss(velocity_of(net)(xt, t), x1 - x0)
    return loss


def uniform_grid(steps):
    """std/solvers.flow `uniform_grid(steps)`: i / steps."""
    return [i / steps for i in range(steps + 1)]


@torch.no_grad()
def euler_trajectory(velocity, x0, grid):
    """std/solvers.flow `euler_trajectory(v, x0, grid)`: every state, x0 first;
    velocity(x, t[N]) -> [N, d]."""
    states = [x0]
    for i in range(len(grid) - 1):
        x = states[-1]
        states.append(x + (grid[i + 1] - grid[i]) * velocity(x, torch.full((x.shape[0],), float(grid[i]))))
    return states


def euler_on(velocity, x0, grid):
    """std/solvers.flow `euler(v, x0, grid)` on a list of times."""
    return euler_trajectory(velocity, x0, grid)[-1]


def euler(velocity, x0, steps):
    """std/solvers.flow `euler(v, x0, uniform_grid(steps))`."""
    return euler_on(velocity, x0, uniform_grid(steps))


def loaded(module, state):
    module.load_state_dict(state)
    module.eval()
    return module


def make_pairs(velocity, count, d, steps=100):
    """`pairs(model.euler, n: count)`: count noise points z0 and their `steps`-step Euler endpoints
    z1. Returns (z0, z1, seconds)."""
    start = time.perf_counter()
    z0 = torch.randn(count, d)
    z1 = euler(velocity, z0, steps)
    return z0, z1, time.perf_counter() - start


def pair_sampler(z0, z1):
    """Batches of `pairs(...)`: rows drawn uniformly with replacement."""
    def draw(b):
        k = torch.randint(0, z0.shape[0], (b,))
        return z0[k], z1[k]
    return draw


def save(out, name, x):
    np.save(os.path.join(out, f"{name}.npy"), x.detach().numpy().astype(np.float32))


def parse_steps(text, names, defaults):
    """--steps: one integer for every training, or `name=N,name=N` (the others keep the spec's)."""
    steps = dict(defaults)
    if text is None:
        return steps
    if "=" not in text:
        return {name: int(text) for name in names}
    for part in text.split(","):
        name, value = part.split("=")
        if name not in steps:
            raise SystemExit(f"--steps: no training `{name}` (trainings: {', '.join(names)})")
        steps[name] = int(value)
    return steps


def start(doc, trainings, defaults):
    """The command line every twin takes from bench/anchor.ts (--out, --seed, --steps, --n,
    --draws, --threads), with torch seeded and threaded and --out made. Returns (arguments, steps
    by training, the result dict that `finish` writes)."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.add_argument("--out", required=True, help="directory for the samples and result.json")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", help="an integer for every training, or name=N,...; default the spec's")
    p.add_argument("--n", type=int, default=1000, help="samples per set")
    p.add_argument("--draws", type=int, default=1, help="sets of n samples written per sampler")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    steps = parse_steps(a.steps, trainings, defaults)
    return a, steps, {"seed": a.seed, "steps": steps, "torch": torch.__version__, "threads": torch.get_num_threads()}


def finish(out, result):
    """Writes result.json (training seconds, last losses, versions) and prints it as the last line."""
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(result, f)
    print(json.dumps(result))
