"""Float64 reference fixture for AdaB²N (Lyu et al., NeurIPS 2023): writes
test/fixtures/reference/adab2n.json.

    /usr/bin/python3 bench/reference/adab2n.py
    /usr/bin/python3 bench/reference/adab2n.py --check-against path/to/adab2n.py

The algorithm is a NumPy transcription, forward and backward written out by hand, of the
reference implementation
  repository lvyilin/AdaB2N @ 9aaba7e, file models/utils/adab2n.py, class AdaB2N(BatchNorm2d):
  get_eta, training_forward, eval_forward (F.batch_norm with the running statistics)
with the task counts that models/er_ace_ada.py's set_counts computes from the batch's labels
(sample_task_indices = task of each sample, sample_task_counts = size of its task in the batch,
task_counts_extended = the count of every task 0..cur_tasks, 0 for a task absent from the batch)
and cur_tasks set as end_task advances it. Generating the fixture needs only NumPy. With
--check-against, the script also loads the original class with PyTorch, runs it in float64 on the
same inputs (the same objective, autograd for the gradients) and compares every recorded number;
the JSON is written only if that check passes. The file used for the check was obtained with
  git -C AdaB2N show HEAD:models/utils/adab2n.py

Semantics transcribed below (x is B x C x H x W; statistics per channel):
  t        num_batches_tracked + 1 (incremented before the statistics)
  eta      kappa = 0: 1/t; kappa = 1: momentum; else eta_1 = momentum^kappa,
           eta_t = eta_{t-1} / (eta_{t-1} + (1 - momentum)^kappa)  (Python floats, float64)
  weights  if cur_tasks > 0: alpha = exp(omega[:cur+1]) + counts (counts of tasks 0..cur in the
           batch), pi = alpha / sum(alpha), w_i = pi[task_i] / counts[task_i];
           mu = sum_i w_i mean_hw(x_i), var = sum_i w_i mean_hw((x_i - mu)^2)
           else mu, var = batch mean and biased variance over (B, H, W)
  y        gamma (x - mu) / sqrt(var + eps) + beta
  state    running_mean += eta (mu - running_mean); running_var = (1 - eta) running_var + eta var
  loss     L_bn = mean_c (mu - running_mean_new)^2 + mean_c (var - running_var_new)^2, the new
           running statistics being constants (buffers updated with detached statistics)
  eval     gamma (x - running_mean) / sqrt(running_var + eps) + beta; no state change

Each training iteration records y, the running statistics and num_batches_tracked after it, L_bn,
and the gradients of the objective J = sum(y * R) + L_bn (R a fixed random cotangent) with respect
to x, gamma, beta and omega (task_weight). Variants: kappa = 0.4 (the recursion), 0 (cumulative
average) and 1 (BatchNorm's momentum), all on the same four iterations:
  1. cur_tasks = 0 (every sample of task 0): plain batch statistics
  2. cur_tasks = 2, tasks [0, 0, 0, 1, 1, 2]: every task present
  3. cur_tasks = 2, tasks [0, 0, 2, 2, 2, 2]: task 1 absent, so sum_i w_i < 1 (the code's quirk)
  4. cur_tasks = 3, tasks [3, 3, 3, 0, 1, 2]: omega[3] enters
(omega has 4 entries; in iterations 2 and 3 omega[3] gets no gradient), then one evaluation-mode
forward on the last x.
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "test", "fixtures", "reference", "adab2n.json")

B, C, H, W = 6, 3, 2, 2
NUM_TASKS = 4
MOMENTUM = 0.1
EPS = 1e-5
OMEGA = [0.1, -0.2, 0.3, 0.05]
SEED = 20231210
SCHEDULE = [
    (0, [0, 0, 0, 0, 0, 0]),
    (2, [0, 0, 0, 1, 1, 2]),
    (2, [0, 0, 2, 2, 2, 2]),
    (3, [3, 3, 3, 0, 1, 2]),
]
KAPPAS = {"kappa04": 0.4, "kappa0": 0.0, "kappa1": 1.0}


# ---------------------------------------------------------------- transcription

class Eta:
    """get_eta: the modified momentum, with the code's Python-float recursion state."""

    def __init__(self, kappa, momentum):
        self.kappa, self.momentum, self.last = kappa, momentum, None

    def __call__(self, t):
        if self.kappa == 0.0:
            return 1.0 / float(t)
        if self.kappa == 1.0:
            return self.momentum
        if self.last is None:
            self.last = self.momentum ** self.kappa
            return self.last
        self.last = self.last / (self.last + (1 - self.momentum) ** self.kappa)
        return self.last


def sample_weights(omega, cur, tasks):
    """w_i and what its vjp needs, or None for the plain branch (cur_tasks = 0)."""
    if cur == 0:
        return None
    tasks = np.asarray(tasks)
    counts = np.array([np.sum(tasks == k) for k in range(cur + 1)], dtype=np.float64)
    e = np.exp(np.asarray(omega[:cur + 1], dtype=np.float64))
    alpha = e + counts
    pi = alpha / alpha.sum()
    w = pi[tasks] / counts[tasks]
    return w, (tasks, counts, e, alpha, pi)


def forward_train(x, gamma, beta, omega, state, eta_fn, cur, tasks):
    """training_forward: returns y, the new state, L_bn and the saved values for the backward."""
    t = state["num_batches_tracked"] + 1
    eta = eta_fn(t)
    sw = sample_weights(omega, cur, tasks)
    s = x.mean(axis=(2, 3))                                     # B x C per-sample channel means
    w = sw[0] if sw else np.full(x.shape[0], 1.0 / x.shape[0])  # plain: every sample 1/B
    mu = w @ s                                                  # C
    d = x - mu[None, :, None, None]
    q = (d * d).mean(axis=(2, 3))                               # B x C
    var = w @ q
    sigma = np.sqrt(var + EPS)
    xhat = d / sigma[None, :, None, None]
    y = gamma[None, :, None, None] * xhat + beta[None, :, None, None]
    rm = state["running_mean"] + eta * (mu - state["running_mean"])
    rv = (1 - eta) * state["running_var"] + eta * var
    loss_bn = np.mean((mu - rm) ** 2) + np.mean((var - rv) ** 2)
    new_state = {"running_mean": rm, "running_var": rv, "num_batches_tracked": t}
    saved = dict(x=x, s=s, w=w, sw=sw, mu=mu, d=d, q=q, var=var, sigma=sigma, xhat=xhat,
                 gamma=gamma, rm=rm, rv=rv)
    return y, new_state, loss_bn, eta, saved


def backward(R, sv, num_tasks):
    """Gradients of J = sum(y * R) + L_bn with respect to x, gamma, beta and omega."""
    x, s, w, mu, d, var, sigma, xhat, gamma = (sv[k] for k in ("x", "s", "w", "mu", "d", "var", "sigma", "xhat", "gamma"))
    nb, c, h, ww = x.shape
    p = h * ww
    bc = lambda v: v[None, :, None, None]  # noqa: E731
    betabar = R.sum(axis=(0, 2, 3))
    gammabar = (R * xhat).sum(axis=(0, 2, 3))
    g = R * bc(gamma)                                           # d J / d xhat
    # xhat = (x - mu) / sigma, sigma = sqrt(var + eps); L_bn's terms with constant targets.
    varbar = (g * d).sum(axis=(0, 2, 3)) * (-0.5) * (var + EPS) ** -1.5 + 2 * (var - sv["rv"]) / c
    mubar = -(g.sum(axis=(0, 2, 3))) / sigma + 2 * (mu - sv["rm"]) / c
    # var = sum_i w_i mean_hw((x_i - mu)^2): its dependence on mu (sum_i w_i need not be 1).
    mubar = mubar - 2 * varbar * (w @ (s - mu[None, :]))
    xbar = g / bc(sigma)
    xbar = xbar + bc(varbar) * w[:, None, None, None] * 2 * d / p
    # mu = sum_i w_i s_i, s_i = mean_hw(x_i).
    xbar = xbar + bc(mubar) * w[:, None, None, None] / p
    wbar = s @ mubar + sv["q"] @ varbar                         # B
    omegabar = np.zeros(num_tasks)
    if sv["sw"] is not None:
        tasks, counts, e, alpha, pi = sv["sw"][1]
        pibar = np.zeros(len(pi))
        np.add.at(pibar, tasks, wbar / counts[tasks])
        alphabar = (pibar - np.dot(pibar, pi)) / alpha.sum()
        omegabar[:len(pi)] = alphabar * e
    return xbar, gammabar, betabar, omegabar


def forward_eval(x, gamma, beta, state):
    rm, rv = state["running_mean"], state["running_var"]
    return gamma[None, :, None, None] * (x - rm[None, :, None, None]) / np.sqrt(rv[None, :, None, None] + EPS) + beta[None, :, None, None]


# ---------------------------------------------------------------- fixture

def make_inputs():
    rng = np.random.default_rng(SEED)
    gamma = rng.uniform(0.5, 1.5, C)
    beta = rng.normal(0, 0.5, C)
    iterations = []
    for k, _ in enumerate(SCHEDULE):
        # Channels with different means and scales, and a per-sample offset so that the
        # task weighting moves mu away from the plain batch mean.
        # (Moderate offsets: float32 rounding of x, amplified by the cancellation in x - mu, stays
        # below 1e-5 of y in ONNX Runtime.)
        x = rng.normal(0, 1, (B, C, H, W)) * np.array([1.0, 2.0, 0.5])[None, :, None, None]
        x = x + np.array([0.5, -1.0, 1.0])[None, :, None, None] + rng.normal(0, 0.5, (B, 1, 1, 1))
        iterations.append({"x": x, "R": rng.normal(0, 1, (B, C, H, W))})
    return gamma, beta, iterations


def run_variant(kappa, gamma, beta, inputs):
    state = {"running_mean": np.zeros(C), "running_var": np.ones(C), "num_batches_tracked": 0}
    eta_fn = Eta(kappa, MOMENTUM)
    records = []
    for (cur, tasks), it in zip(SCHEDULE, inputs):
        y, state, loss_bn, eta, saved = forward_train(it["x"], gamma, beta, OMEGA, state, eta_fn, cur, tasks)
        xbar, gammabar, betabar, omegabar = backward(it["R"], saved, NUM_TASKS)
        records.append({"y": y, "xbar": xbar, "gammabar": gammabar, "betabar": betabar, "omegabar": omegabar,
                        "running_mean": state["running_mean"].copy(), "running_var": state["running_var"].copy(),
                        "num_batches_tracked": state["num_batches_tracked"], "loss_bn": loss_bn, "eta": eta})
    y_eval = forward_eval(inputs[-1]["x"], gamma, beta, state)
    return records, y_eval


def check_against(path, kappa, gamma, beta, inputs, records, y_eval):
    """Runs the original AdaB2N class in float64 on the same inputs; returns the largest difference."""
    import torch
    spec = importlib.util.spec_from_file_location("adab2n_original", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.set_default_dtype(torch.float64)
    target = torch.nn.BatchNorm2d(C, eps=EPS, momentum=MOMENTUM)
    m = module.AdaB2N(target, num_tasks=NUM_TASKS, num_classes_per_task=2, kappa=kappa).double()
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(gamma))
        m.bias.copy_(torch.from_numpy(beta))
        m.task_weight.copy_(torch.tensor(OMEGA))
    m.train()
    worst = 0.0

    def cmp(what, ours, theirs):
        nonlocal worst
        theirs = np.asarray(theirs, dtype=np.float64)
        diff = np.max(np.abs(np.asarray(ours) - theirs)) / max(1.0, np.max(np.abs(theirs)))
        if diff > 1e-12:
            raise SystemExit(f"kappa {kappa} {what}: max|numpy - torch| / max(1, max|torch|) = {diff:.3e}")
        worst = max(worst, diff)

    for k, ((cur, tasks), it, rec) in enumerate(zip(SCHEDULE, inputs, records)):
        m.cur_tasks.fill_(cur)
        # er_ace_ada.set_counts, with the labels' tasks given directly.
        labels = torch.tensor(tasks)
        task_indices, inverse, task_counts = torch.unique(labels, return_inverse=True, return_counts=True)
        extended = labels.new_zeros(cur + 1)
        extended[task_indices] = task_counts
        m.set_counts(task_indices[inverse], task_counts[inverse], extended)
        for p in m.parameters():
            p.grad = None
        x = torch.from_numpy(it["x"].copy()).requires_grad_(True)
        y = m(x)
        objective = (y * torch.from_numpy(it["R"])).sum() + m.loss
        objective.backward()
        tag = f"step {k + 1}"
        cmp(f"{tag} y", rec["y"], y.detach().numpy())
        cmp(f"{tag} loss_bn", rec["loss_bn"], m.loss.item())
        cmp(f"{tag} xbar", rec["xbar"], x.grad.numpy())
        cmp(f"{tag} gammabar", rec["gammabar"], m.weight.grad.numpy())
        cmp(f"{tag} betabar", rec["betabar"], m.bias.grad.numpy())
        omega_grad = m.task_weight.grad.numpy() if m.task_weight.grad is not None else np.zeros(NUM_TASKS)
        cmp(f"{tag} omegabar", rec["omegabar"], omega_grad)
        cmp(f"{tag} running_mean", rec["running_mean"], m.running_mean.numpy())
        cmp(f"{tag} running_var", rec["running_var"], m.running_var.numpy())
        if int(m.num_batches_tracked) != rec["num_batches_tracked"]:
            raise SystemExit(f"kappa {kappa} {tag}: num_batches_tracked {int(m.num_batches_tracked)}")
    m.eval()
    with torch.no_grad():
        cmp("y_eval", y_eval, m(torch.from_numpy(inputs[-1]["x"].copy())).numpy())
    return worst


def nhwc(a):
    """B x C x H x W -> B x H x W x C (flowc keeps channels on the last axis)."""
    return np.transpose(a, (0, 2, 3, 1)).tolist()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check-against", help="path to lvyilin/AdaB2N's models/utils/adab2n.py")
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    gamma, beta, inputs = make_inputs()
    variants = {}
    checked = []
    for name, kappa in KAPPAS.items():
        records, y_eval = run_variant(kappa, gamma, beta, inputs)
        if args.check_against:
            worst = check_against(args.check_against, kappa, gamma, beta, inputs, records, y_eval)
            checked.append(f"kappa {kappa}: {worst:.1e}")
            print(f"kappa {kappa}: max|numpy - torch float64| / max(1, max|torch|) over every recorded number = {worst:.3e}")
        variants[name] = {
            "kappa": kappa,
            "iterations": [{
                "y": nhwc(r["y"]), "xbar": nhwc(r["xbar"]), "gammabar": r["gammabar"].tolist(),
                "betabar": r["betabar"].tolist(), "omegabar": r["omegabar"].tolist(),
                "running_mean": r["running_mean"].tolist(), "running_var": r["running_var"].tolist(),
                "num_batches_tracked": r["num_batches_tracked"], "loss_bn": r["loss_bn"], "eta": r["eta"],
            } for r in records],
            "y_eval": nhwc(y_eval),
        }
    fixture = {
        "source": "NumPy float64 transcription of lvyilin/AdaB2N @ 9aaba7e, models/utils/adab2n.py (class AdaB2N: "
                  "get_eta, training_forward, eval_forward) with models/er_ace_ada.py's set_counts, forward and "
                  "backward written out by hand; generated by bench/reference/adab2n.py"
                  + (f"; checked against the original class run by torch {__import__('torch').__version__} in float64 "
                     f"(max |numpy - torch| / max(1, max|torch|): {', '.join(checked)})" if checked else ""),
        "objective": "J = sum(y * R) + L_bn; gradients of J",
        "layout": "arrays are B x H x W x C (channels last); the reference runs B x C x H x W",
        "config": {"B": B, "C": C, "H": H, "W": W, "num_tasks": NUM_TASKS, "momentum": MOMENTUM, "eps": EPS},
        "omega": OMEGA,
        "gamma": gamma.tolist(),
        "beta": beta.tolist(),
        "schedule": [{"current": cur, "tasks": tasks} for cur, tasks in SCHEDULE],
        "inputs": [{"x": nhwc(it["x"]), "R": nhwc(it["R"])} for it in inputs],
        "variants": variants,
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(args.out)}")


if __name__ == "__main__":
    sys.exit(main())
