"""Reference numbers for runtime/metrics/: writes test/metrics/fixtures.json.

Run with a Python that has NumPy and SciPy (on the development machine: /usr/bin/python3 with
Debian's python3-numpy and python3-scipy):

    /usr/bin/python3 bench/reference/metrics.py

Only this script needs Python; the tests read the JSON it writes and never run it.

The point clouds are drawn here from fixed seeds, rounded to float32 (the runtime's input type),
and stored as base64 little-endian float32 bytes, so both sides see exactly the same values. Every
metric is then computed from the float32 values converted to float64, with every operation in
float64, straight from its definition:
  - exact W2: sqrt of the mean of C[i, sigma(i)] for the assignment sigma that
    scipy.optimize.linear_sum_assignment finds on C[i, j] = ||a_i - b_j||^2; for 1-D clouds it
    is also checked against the closed form (sort both clouds and pair them in order);
  - squared MMD with k(x, y) = sum over sigma of exp(-||x - y||^2 / (2 sigma^2)), from the full
    kernel matrices: biased (V-statistic, means over all pairs) and unbiased (U-statistic, the
    self-terms without their diagonal);
  - energy distance 2 E||X - Y|| - E||X - X'|| - E||Y - Y'||, biased and unbiased likewise;
  - path straightness sum_k (t_{k+1} - t_k) mean_i ||(x_K - x_0)/(t_K - t_0)
    - (x_{k+1} - x_k)/(t_{k+1} - t_k)||^2 and transport cost mean_i ||x_K - x_0||^2.
For MMD and energy the file also holds `scale`, the sum of the magnitudes of the three terms,
which the test uses to judge results where the terms nearly cancel.
"""
import base64
import json
import os

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "metrics", "fixtures.json")
DEFAULT_BANDWIDTHS = [0.01, 0.1, 1.0, 10.0, 100.0]  # torchcfm's runner, RBF_MMD
CUSTOM_BANDWIDTHS = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0]


def f32(x):
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


def encode(x):
    return base64.b64encode(f32(x).astype("<f4").tobytes()).decode("ascii")


def sq_dists(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    return np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1)


def w2(a, b):
    cost = sq_dists(a, b)
    rows, cols = linear_sum_assignment(cost)
    assert np.array_equal(rows, np.arange(len(a)))
    value = float(np.sqrt(cost[rows, cols].mean()))
    if a.shape[1] == 1:
        closed = float(np.sqrt(np.mean((np.sort(a[:, 0].astype(np.float64)) - np.sort(b[:, 0].astype(np.float64))) ** 2)))
        assert abs(closed - value) <= 1e-12 * closed, f"1-D W2: assignment {value} vs sorting {closed}"
    return value, [int(c) for c in cols]


def mixture_kernel(r2, bandwidths):
    return sum(np.exp(-r2 / (2.0 * s * s)) for s in bandwidths)


def three_terms(kxx, kyy, kxy, unbiased):
    n, m = kxx.shape[0], kyy.shape[0]
    if unbiased:
        xx = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        yy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    else:
        xx = kxx.mean()
        yy = kyy.mean()
    return float(xx), float(yy), float(kxy.mean())


def mmd(a, b, bandwidths, unbiased):
    xx, yy, xy = three_terms(
        mixture_kernel(sq_dists(a, a), bandwidths),
        mixture_kernel(sq_dists(b, b), bandwidths),
        mixture_kernel(sq_dists(a, b), bandwidths),
        unbiased,
    )
    return {"value": xx + yy - 2 * xy, "scale": abs(xx) + abs(yy) + 2 * abs(xy)}


def energy(a, b, unbiased):
    xx, yy, xy = three_terms(np.sqrt(sq_dists(a, a)), np.sqrt(sq_dists(b, b)), np.sqrt(sq_dists(a, b)), unbiased)
    return {"value": 2 * xy - xx - yy, "scale": 2 * abs(xy) + abs(xx) + abs(yy)}


def straightness(states, times):
    xs = [s.astype(np.float64) for s in states]
    mean_velocity = (xs[-1] - xs[0]) / (times[-1] - times[0])
    total = 0.0
    for k in range(len(xs) - 1):
        dt = times[k + 1] - times[k]
        dev = mean_velocity - (xs[k + 1] - xs[k]) / dt
        total += dt * float(np.mean(np.sum(dev**2, axis=1)))
    return total


def transport(z0, z1):
    return float(np.mean(np.sum((z1.astype(np.float64) - z0.astype(np.float64)) ** 2, axis=1)))


def moons(rng, n):
    t = rng.uniform(0, np.pi, n)
    upper = rng.uniform(size=n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    return np.stack([x, y], axis=1) + 0.05 * rng.normal(size=(n, 2))


def cloud_case(name, a, b, *, with_w2=True, with_kernels=True):
    a, b = f32(a), f32(b)
    case = {"name": name, "n": int(a.shape[0]), "m": int(b.shape[0]), "d": int(a.shape[1]), "a": encode(a), "b": encode(b)}
    if with_w2:
        case["w2"], case["permutation"] = w2(a, b)
    if with_kernels:
        case["mmd"] = {
            "default_biased": mmd(a, b, DEFAULT_BANDWIDTHS, False),
            "default_unbiased": mmd(a, b, DEFAULT_BANDWIDTHS, True),
            "custom_biased": mmd(a, b, CUSTOM_BANDWIDTHS, False),
            "custom_unbiased": mmd(a, b, CUSTOM_BANDWIDTHS, True),
        }
        case["energy"] = {"biased": energy(a, b, False), "unbiased": energy(a, b, True)}
    return case


def clouds():
    rng = np.random.default_rng(20240611)
    cases = []
    cases.append(cloud_case("gaussian shift, n=64, d=2", rng.normal(size=(64, 2)), [1.0, 0.5] + 0.8 * rng.normal(size=(64, 2))))
    cases.append(cloud_case("moons vs gaussian, n=128, d=2", moons(rng, 128), 0.7 * rng.normal(size=(128, 2))))
    # Points on a coarse grid with repeats: many exactly tied assignments.
    cases.append(cloud_case("grid with ties, n=40, d=2", rng.integers(0, 3, size=(40, 2)), rng.integers(0, 3, size=(40, 2)) * 0.5))
    cases.append(cloud_case("anisotropic, n=100, d=16", rng.normal(size=(100, 16)) * np.linspace(0.2, 3, 16), rng.standard_t(4, size=(100, 16))))
    cases.append(cloud_case("1-D, n=300", rng.normal(size=(300, 1)), rng.exponential(size=(300, 1))))
    cases.append(cloud_case("far apart, n=30, d=3", rng.normal(size=(30, 3)), 50 + rng.normal(size=(30, 3))))
    cases.append(cloud_case("unequal sizes 50 vs 70, d=3", rng.normal(size=(50, 3)), 1.5 * rng.normal(size=(70, 3)), with_w2=False))
    cases.append(cloud_case("gaussian vs moons, n=500, d=2", rng.normal(size=(500, 2)), moons(rng, 500), with_kernels=False))
    # The largest size exact W2 accepts. Uniform clouds on a square and a disk keep the assignment
    # to about a second; clouds that must move far (shifted Gaussians) take ten times longer.
    square = rng.uniform(-1, 1, size=(2000, 2))
    radius, angle = np.sqrt(rng.uniform(size=2000)), rng.uniform(0, 2 * np.pi, size=2000)
    disk = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    cases.append(cloud_case("square vs disk, n=2000, d=2", square, disk, with_kernels=False))
    return cases


def paths():
    rng = np.random.default_rng(7)
    out = []
    for name, n, d, times in [
        ("uneven times, K=5", 50, 2, [0.0, 0.1, 0.25, 0.5, 0.8, 1.0]),
        ("span [0.5, 3], K=3", 20, 4, [0.5, 1.0, 2.0, 3.0]),
        ("even times in [0, 1], K=8", 30, 3, list(np.linspace(0, 1, 9))),
    ]:
        x0 = rng.normal(size=(n, d))
        x1 = 2 + rng.normal(size=(n, d))
        states = []
        for t in times:
            s = (t - times[0]) / (times[-1] - times[0])
            # A curved path from x0 to x1 plus a little per-state noise.
            states.append(f32(x0 + s * (x1 - x0) + np.sin(np.pi * s) * 0.5 + 0.05 * rng.normal(size=(n, d))))
        out.append(
            {
                "name": name,
                "n": n,
                "d": d,
                "times": [float(t) for t in times],
                "states": [encode(s) for s in states],
                "straightness": straightness(states, times),
                "transport_cost": transport(states[0], states[-1]),
            }
        )
    return out


def main():
    fixtures = {
        "generator": "bench/reference/metrics.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "default_bandwidths": DEFAULT_BANDWIDTHS,
        "custom_bandwidths": CUSTOM_BANDWIDTHS,
        "clouds": clouds(),
        "paths": paths(),
    }
    with open(OUT, "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
