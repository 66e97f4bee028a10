"""The PyTorch twin of specs/rectified-flow.flow's training step, for bench/train-step.

Same model (MLP d+1 -> width x3 -> d with SiLU), same loss (mean over the batch of the squared
error summed over features, independent coupling, linear path, uniform t), same optimizer
(torch.optim.Adam, lr 1e-3 on the spec's cosine schedule over its 10000 steps), same exponential
moving average of the weights (ema: 0.999, updated after every step as flowc's train_step does),
same batch, data drawn from two moons every step. With
--sample-n N it also times the spec's sampler: 100 Euler steps from N Gaussian points.
--device cuda runs on the GPU (timings synchronize the device; bench/gpu uses this).
Prints one JSON line: {"threads": T, "device": D, "ms_per_step": median, "steps": n, "sample_ms": median}.
"""
import argparse
import json
import math
import os
import time

import torch


def moons(n, device, noise=0.05):
    angle = math.pi * torch.rand(n, device=device)
    upper = torch.rand(n, device=device) < 0.5
    x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle))
    y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle))
    return torch.stack([x, y], dim=1) + noise * torch.randn(n, 2, device=device)


def median_ms(fn, repeats, sync):
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--sample-n", type=int, default=0)
    p.add_argument("--sample-repeats", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    d = 2
    net = torch.nn.Sequential(
        torch.nn.Linear(d + 1, a.width), torch.nn.SiLU(),
        torch.nn.Linear(a.width, a.width), torch.nn.SiLU(),
        torch.nn.Linear(a.width, a.width), torch.nn.SiLU(),
        torch.nn.Linear(a.width, d),
    ).to(dev)
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
        x1 = moons(a.batch, dev)
        x0 = torch.randn(a.batch, d, device=dev)
        t = torch.rand(a.batch, device=dev)
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

    @torch.no_grad()
    def sample():
        x = torch.randn(a.sample_n, d, device=dev)
        for k in range(100):
            t = torch.full((a.sample_n, 1), k / 100, device=dev)
            x = x + net(torch.cat([x, t], dim=-1)) / 100
        return x

    for _ in range(a.warmup):
        step()
    ms_per_step = median_ms(step, a.steps, sync)
    result = {"threads": a.threads, "device": str(dev), "ms_per_step": ms_per_step, "steps": a.steps, "torch": torch.__version__}
    if a.sample_n > 0:
        sample()
        result["sample_ms"] = median_ms(sample, a.sample_repeats, sync)
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
