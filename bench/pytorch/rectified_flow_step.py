"""The PyTorch twin of specs/rectified-flow.flow's training step, for bench/train-step.

Same model (MLP d+1 -> width x3 -> d with SiLU), same loss (mean over the batch of the squared
error summed over features, independent coupling, linear path, uniform t), same optimizer
(torch.optim.Adam, lr 1e-3 on the spec's cosine schedule over its 10000 steps), same exponential
moving average of the weights (ema: 0.999, updated after every step as flowc's train_step does),
same batch, data drawn from two moons every step.
Prints one JSON line: {"threads": T, "ms_per_step": median, "steps": n}.
"""
import argparse
import json
import math
import os
import time

import torch


def moons(n, noise=0.05):
    angle = math.pi * torch.rand(n)
    upper = torch.rand(n) < 0.5
    x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
    y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
    return torch.stack([x, y], dim=1) + noise * torch.randn(n, 2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    d = 2
    net = torch.nn.Sequential(
        torch.nn.Linear(d + 1, a.width), torch.nn.SiLU(),
        torch.nn.Linear(a.width, a.width), torch.nn.SiLU(),
        torch.nn.Linear(a.width, a.width), torch.nn.SiLU(),
        torch.nn.Linear(a.width, d),
    )
    lr, total_steps, decay = 1e-3, 10000, 0.999
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    params = list(net.parameters())
    ema = [p.detach().clone() for p in params]
    step_number = 0

    def step():
        nonlocal step_number
        step_number += 1
        for group in opt.param_groups:  # the spec's cosine schedule, as runtime/schedule.ts
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * min(1.0, step_number / total_steps)))
        x1 = moons(a.batch)
        x0 = torch.randn(a.batch, d)
        t = torch.rand(a.batch)
        xt = t[:, None] * x1 + (1 - t[:, None]) * x0
        v = net(torch.cat([xt, t[:, None]], dim=-1))
        loss = ((v - (x1 - x0)) ** 2).sum(-1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():  # ema <- decay * ema + (1 - decay) * p
            torch._foreach_mul_(ema, decay)
            torch._foreach_add_(ema, params, alpha=1 - decay)
        return loss

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps({"threads": a.threads, "ms_per_step": times[len(times) // 2], "steps": a.steps, "torch": torch.__version__}))


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
