"""The PyTorch twin of specs/boss.flow (Bellman Optimal Stepsize Straightening), for bench/anchor.

Does what flowc does for that spec (shared definitions and what they match: toy2d.py), in PyTorch
eager on one thread, with NumPy float64 for the dynamic program:

  rf1      1-rectified flow: MLP(3, [64, 64, 64], 2, silu) on concat(x, t), independent coupling
           x0 ~ N(0, I), x1 ~ moons(noise 0.05, scale 4) (the scale multiplies the noise too);
           linear path, t ~ U[0, 1), `mse_loss` on x1 - x0. Adam lr 2e-3, cosine, EMA 0.995,
           batch 256, 6000 steps.
  paths    2,000 reference trajectories of rf1's 100-step Euler sampler (EMA weights), every state
           (`rf1.euler_path`, drawn once: flowc generates them once per seed, for both grids and the
           segments).
  grids    `bellman_grid(rf1.velocity, rf1.euler_path, steps: K)` for K = 2 and 4 (runtime/bellman.ts):
           c[i][j] = mean over trajectories of ||x_j - (x_i + v(x_i, t_i)(t_j - t_i))||² (summed over
           features, float64), D_1(i) = c[i][100], D_k(i) = min_{j > i} c[i][j] + D_{k-1}(j), ties to
           the smaller j; the grid is the times i / 100 of the path, as float32.
  boss2    the straightened flow: rf1's EMA weights (its EMA starts there, Adam fresh), trained on
           the trajectory segments between consecutive points of the 2-step grid
           (`segments(rf1.euler_path, grid2, n: 2000)`: a trajectory m and a segment k drawn uniformly
           for each row), loss mse_loss(v(x_s, s), (x_u - x_s) / (u - s)). Adam lr 1e-3, cosine,
           EMA 0.995, batch 256, 1500 steps.

Samplers (EMA weights): rf1 with 100 and 2 uniform Euler steps, rf1 with Euler on the 2- and 4-step
Bellman grids, boss2 with Euler on the 2-step grid. Writes <sampler>.npy (float32 [draws * n, 2])
and result.json (with the grids under "computed") to --out.
"""
import time

import numpy as np
import torch

import toy2d as T

TRAININGS = ["rf1", "boss2"]
DEFAULT_STEPS = {"rf1": 6000, "boss2": 1500}


def bellman_costs(states, velocities, times):
    """runtime/bellman.ts `bellmanCosts`: c[i][j] for i < j, +inf elsewhere (float64)."""
    points = len(states)
    xs = [s.numpy().astype(np.float64) for s in states]
    vs = [v.numpy().astype(np.float64) for v in velocities]
    cost = np.full((points, points), np.inf)
    for i in range(points - 1):
        h = np.array(times[i + 1:]) - times[i]
        predicted = xs[i][None] + vs[i][None] * h[:, None, None]
        cost[i, i + 1:] = ((np.stack(xs[i + 1:]) - predicted) ** 2).sum(axis=(1, 2)) / xs[i].shape[0]
    return cost


def bellman_path(cost, steps):
    """runtime/bellman.ts `bellmanPath`: the least-cost path 0 -> last in exactly `steps` steps."""
    points = cost.shape[0]
    last = points - 1
    best = np.full(points, np.inf)
    best[last] = 0.0
    nexts = []
    for _ in range(steps):
        total = cost + best[None, :]  # total[i, j] = c[i][j] + D_{k-1}(j)
        nexts.append(np.argmin(total, axis=1))  # the first minimum: ties to the smaller j
        best = total.min(axis=1)
        best[last] = np.inf
    path = [0]
    for k in range(steps - 1, -1, -1):
        path.append(int(nexts[k][path[-1]]))
    return path


def main():
    a, steps, result = T.start(__doc__, TRAININGS, DEFAULT_STEPS)
    d, width, batch, n_paths, fine = 2, 64, 256, 2000, 100

    rf_runs = T.Runs(lambda: T.mlp(d + 1, width, d), steps, 2e-3, 0.995, result)
    boss_runs = T.Runs(lambda: T.mlp(d + 1, width, d), steps, 1e-3, 0.995, result)

    def sample(name, net, grid):
        T.save(a.out, name, T.euler_on(T.velocity_of(net), torch.randn(a.draws * a.n, d), grid))

    net1 = rf_runs.fresh()
    rf1 = rf_runs.run("rf1", net1, T.flow_loss(net1, lambda b: (torch.randn(b, d), T.moons(b, scale=4.0)), batch))
    v1 = T.velocity_of(rf1)

    start = time.perf_counter()
    times = T.uniform_grid(fine)
    states = T.euler_trajectory(v1, torch.randn(n_paths, d), times)
    with torch.no_grad():
        velocities = [v1(x, torch.full((n_paths,), float(t))) for x, t in zip(states[:-1], times[:-1])]
    cost = bellman_costs(states, velocities, times)
    paths = {k: bellman_path(cost, k) for k in (2, 4)}
    # The grid as flowc feeds it: float32 times i / 100.
    grids = {k: [float(np.float32(times[j])) for j in path] for k, path in paths.items()}
    result["pairs_seconds"] = time.perf_counter() - start
    result["computed"] = {f"bellman_grid(steps: {k})": grid for k, grid in grids.items()}

    sample("rf1_euler100", rf1, T.uniform_grid(100))
    sample("rf1_euler2", rf1, T.uniform_grid(2))
    sample("rf1_bellman2", rf1, grids[2])
    sample("rf1_bellman4", rf1, grids[4])

    # The segments between consecutive points of the 2-step grid, of every trajectory.
    seg_states = torch.stack([states[j] for j in paths[2]])  # [K + 1, n_paths, d]
    seg_times = torch.tensor(grids[2], dtype=torch.float32)
    segments = len(paths[2]) - 1
    net2 = boss_runs.fresh(rf_runs.ema["rf1"])
    velocity2 = T.velocity_of(net2)

    def redress_loss(_step):
        m = torch.floor(torch.rand(batch) * n_paths).long()
        k = torch.floor(torch.rand(batch) * segments).long()
        xs, xu = seg_states[k, m], seg_states[k + 1, m]
        s, u = seg_times[k], seg_times[k + 1]
        return T.mse_loss(velocity2(xs, s), (xu - xs) / (u - s)[:, None])

    boss2 = boss_runs.run("boss2", net2, redress_loss)
    sample("boss2_bellman2", boss2, grids[2])

    T.finish(a.out, result)


if __name__ == "__main__":
    main()
