"""Float64 Monte Carlo of the Bayes-optimal ARFlow loss for specs/arflow.flow's toy setting: prints
the number its "it learns" claim measures against.

    npm run build && /usr/bin/python3 bench/reference/arflow_oracle.py

Setting (specs/arflow.flow): a point of toy.gaussian_mixture(dim: 16, components: 8, radius: 4,
std: 0.5) cut into N = 4 images of D = 4 features; image n at the grid time t_n = (n + 1/2) / N,
x_t = t x1 + (1 - t) x0 with x0 standard normal (flowc's convention, noise at t = 0), velocity
target x1 - x0; the ARFlow loss of a sequence is mean_n ||v_n - (x1_n - x0_n)||^2 (ARFlow, Hui et
al., arXiv 2501.16085; the notes /work/shared/papers/flows.md §3.15).

The best causal predictor of image n's target from x_{t_1..t_n} is the posterior mean
E[x1_n - x0_n | x_{t_<=n}]: given the component k (mean mu_k, sliced per image), x1 and x0 are
jointly Gaussian with x_t, so E[x1_n - x0_n | x_t, k] = mu_kn + a_n (x_tn - t_n mu_kn) with
a_n = (t_n s^2 - (1 - t_n)) / (t_n^2 s^2 + (1 - t_n)^2); the posterior over k multiplies the
likelihoods N(x_tm; t_m mu_km, (t_m^2 s^2 + (1 - t_m)^2) I) of the images m <= n. Its expected
loss is the Bayes-optimal ARFlow loss ("with context"); the same with the likelihood of image n
alone is the best any model can do without reading the earlier images ("alone").

The mixture's means are toy.gaussian_mixture's (runtime/data/toy.ts, mixtureMeans), read from
the built runtime's random stream through node; the script checks them against the data source's
per-class averages of 200,000 labeled points.
"""

import json
import subprocess

import numpy as np

DIM, K, RADIUS, STD, N = 16, 8, 4.0, 0.5, 4
D = DIM // N
SAMPLES = 1_000_000

NODE = f"""
const {{ RandomStream }} = await import("{{root}}/dist/compiler/artifacts/rng.js");
const {{ TOY_SOURCES }} = await import("{{root}}/dist/runtime/data/toy.js");
const dim = {DIM}, components = {K}, radius = {RADIUS};
const stream = RandomStream.derive(0, `toy.gaussian_mixture:${{dim}}:${{components}}`);
const means = [];
for (let k = 0; k < components; k++) {{
  const m = []; let norm = 0;
  for (let j = 0; j < dim; j++) {{ m.push(stream.normal()); norm += m[j] ** 2; }}
  means.push(m.map((v) => (radius * v) / Math.sqrt(norm)));
}}
const n = 200000, labels = new Int32Array(n);
const points = TOY_SOURCES["toy.gaussian_mixture"](RandomStream.derive(1, "oracle"), n, {{ dim, components, radius, std: {STD} }}, labels);
const sums = Array.from({{ length: components }}, () => new Array(dim).fill(0)), counts = new Array(components).fill(0);
for (let i = 0; i < n; i++) {{ counts[labels[i]]++; for (let j = 0; j < dim; j++) sums[labels[i]][j] += points[i * dim + j]; }}
console.log(JSON.stringify({{ means, averages: sums.map((s, k) => s.map((v) => v / counts[k])) }}));
"""


def main() -> None:
    import os

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(["node", "--input-type=module", "-e", NODE.replace("{root}", root)], capture_output=True, text=True, check=True).stdout
    read = json.loads(out)
    mu = np.array(read["means"])
    # The class averages of the data source's points agree with the means (sampling error ~ 0.5 / sqrt(25000)).
    assert np.abs(np.array(read["averages"]) - mu).max() < 0.02, "means do not match toy.gaussian_mixture"

    rng = np.random.default_rng(0)
    k = rng.integers(0, K, SAMPLES)
    x1 = (mu[k] + STD * rng.standard_normal((SAMPLES, DIM))).reshape(SAMPLES, N, D)
    x0 = rng.standard_normal((SAMPLES, DIM)).reshape(SAMPLES, N, D)
    t = (np.arange(N) + 0.5) / N
    m = mu.reshape(K, N, D)
    xt = t[None, :, None] * x1 + (1 - t[None, :, None]) * x0
    var = t**2 * STD**2 + (1 - t) ** 2
    diff = xt[:, None] - t[None, None, :, None] * m[None]  # [S, K, N, D]
    loglik = -0.5 * (diff**2).sum(-1) / var[None, None]  # the normalizer is the same for every k
    a = (t * STD**2 - (1 - t)) / var
    v_k = m[None] + a[None, None, :, None] * diff
    target = x1 - x0

    def loss(logw: np.ndarray) -> np.ndarray:
        w = np.exp(logw - logw.max(1, keepdims=True))
        w /= w.sum(1, keepdims=True)
        return (((w[..., None] * v_k).sum(1) - target) ** 2).sum(-1).mean(1)  # [S]

    for name, logw in (("with context", np.cumsum(loglik, axis=2)), ("alone", loglik)):
        per = loss(logw)
        print(f"Bayes-optimal ARFlow loss {name}: {per.mean():.4f} +- {per.std() / np.sqrt(SAMPLES):.4f} (Monte Carlo standard error, {SAMPLES} sequences)")
    untrained = (target**2).sum(-1).mean()
    print(f"loss of v = 0: {untrained:.4f}")


if __name__ == "__main__":
    main()
