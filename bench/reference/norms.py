"""Float64 reference fixtures for the normalization layers of std/nn.flow and std/norm.flow:
writes test/fixtures/reference/norms-{layernorm,rmsnorm,batchnorm,unified}.json.

    /usr/bin/python3 bench/reference/norms.py
    /usr/bin/python3 bench/reference/norms.py --un-ref path/to/unified_normalization.py \
                                              --rmsnorm-ref path/to/rmsnorm_torch.py

Each layer is transcribed below in NumPy (float64), forward AND backward written out by hand, from
its reference code:

  LayerNorm   torch.nn.LayerNorm(d, eps=1e-5) (Ba, Kiros & Hinton 2016; no official code).
  RMSNorm     bzhangGo/rmsnorm @ 2e726f1a3f106bb719056422f4f9b6aca03d3ce6, rmsnorm_torch.py, class RMSNorm
              (Zhang & Sennrich, NeurIPS 2019): rms = ||x_{:k}||_2 / sqrt(k) over the first k = int(d p)
              channels (k = d when p is outside [0, 1]); y = scale * x / (rms + eps) [+ offset];
              eps = 1e-8 is added to the RMS, OUTSIDE the square root.
  BatchNorm   torch.nn.BatchNorm1d(d, momentum=0.1, eps=1e-5) (Ioffe & Szegedy 2015), applied to
              [B, d] and to [B, T, d] (as BatchNorm1d on x.permute(0, 2, 1): statistics per channel
              over all other axes). Training normalizes with the biased batch variance and updates
              running_mean/running_var with momentum, running_var with the UNBIASED variance
              (n / (n - 1)); num_batches_tracked += 1. Eval uses the running statistics.
  UN1d        hikvision-research/Unified-Normalization @ 0ce9bf26837f94c58ae5dd0d206ad3aa32d82d07,
              image_classification/models/unified_normalization/unified_normalization.py, classes
              UN1d and UN2dFunction (Yang et al., ACM MM 2022); the copy in
              neural_machine_translation/fairseq/modules/unified_normalization/ differs only in
              whitespace. Semantics: see un_train_step below.

Generating the fixtures needs only NumPy. Whenever torch can be imported, the script also runs
torch.nn.LayerNorm and torch.nn.BatchNorm1d in float64 on the same inputs and compares every
recorded number (autograd gives the backward); with --un-ref / --rmsnorm-ref it loads the original
reference files and does the same for UN1d and RMSNorm. A fixture is written only if every check
that ran passes (--tol, default 1e-12, on max|numpy - torch| / max(1, max|torch|) per array). The files used for the checks were obtained with
  git -C Unified-Normalization show HEAD:image_classification/models/unified_normalization/unified_normalization.py
  git -C rmsnorm show HEAD:rmsnorm_torch.py
"""
import argparse
import importlib.util
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "test", "fixtures", "reference"))
ITERATIONS = 3


def tolist(a):
    return np.asarray(a, dtype=np.float64).tolist()


def write(name, fixture):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


class Checker:
    """Collects max |numpy - torch| / max(1, max |torch|) over every compared array (absolute for
    numbers of order 1, relative to the array's largest entry for the 1e6-sized outlier statistics)."""

    def __init__(self, tol):
        self.tol = tol
        self.worst = {}

    def cmp(self, layer, what, ours, theirs):
        theirs = np.asarray(theirs, dtype=np.float64)
        d = float(np.max(np.abs(np.asarray(ours, dtype=np.float64) - theirs))) / max(1.0, float(np.max(np.abs(theirs))))
        self.worst[layer] = max(self.worst.get(layer, 0.0), d)
        if d > self.tol:
            raise SystemExit(f"{layer} {what}: max|numpy - torch| / max(1, max|torch|) = {d:.3e} > {self.tol}")

    def report(self):
        for layer, d in self.worst.items():
            print(f"{layer:10s} max|numpy - torch float64| / max(1, max|torch|) over every recorded array = {d:.3e}")


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def have_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


# ================================================================ LayerNorm

LN = {"B": 2, "T": 3, "C": 5, "eps": 1e-5, "seed": 20160721}


def layernorm_train(x, ybar, gamma, beta, eps):
    """torch.nn.LayerNorm over the last axis: forward and the autograd backward, written out."""
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)          # biased
    s = np.sqrt(var + eps)
    xhat = (x - mu) / s
    y = gamma * xhat + beta
    u = ybar * gamma
    xbar = (u - u.mean(axis=-1, keepdims=True) - xhat * (u * xhat).mean(axis=-1, keepdims=True)) / s
    red = tuple(range(x.ndim - 1))
    return y, xbar, (ybar * xhat).sum(axis=red), ybar.sum(axis=red)


def layernorm_fixture(check):
    rng = np.random.default_rng(LN["seed"])
    B, T, C, eps = LN["B"], LN["T"], LN["C"], LN["eps"]
    gamma = rng.uniform(0.5, 1.5, C)
    beta = rng.normal(0, 0.5, C)
    its = []
    for _ in range(ITERATIONS):
        x = rng.normal(0, 1, (B, T, C)) * rng.uniform(0.5, 3, (B, T, 1)) + rng.normal(0, 1, (B, T, 1))
        ybar = rng.normal(0, 1, (B, T, C))
        y, xbar, gb, bb = layernorm_train(x, ybar, gamma, beta, eps)
        its.append({"x": x, "ybar": ybar, "y": y, "xbar": xbar, "gammabar": gb, "betabar": bb})
    y_eval = layernorm_train(its[-1]["x"], its[-1]["ybar"], gamma, beta, eps)[0]

    if check is not None and have_torch():
        import torch
        m = torch.nn.LayerNorm(C, eps=eps).double()
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(gamma))
            m.bias.copy_(torch.from_numpy(beta))
        for it in its:
            m.zero_grad(set_to_none=True)
            xt = torch.from_numpy(it["x"].copy()).requires_grad_(True)
            y = m(xt)
            y.backward(torch.from_numpy(it["ybar"]))
            check.cmp("layernorm", "y", it["y"], y.detach().numpy())
            check.cmp("layernorm", "xbar", it["xbar"], xt.grad.numpy())
            check.cmp("layernorm", "gammabar", it["gammabar"], m.weight.grad.numpy())
            check.cmp("layernorm", "betabar", it["betabar"], m.bias.grad.numpy())
        m.eval()
        with torch.no_grad():
            check.cmp("layernorm", "y_eval", y_eval, m(torch.from_numpy(its[-1]["x"].copy())).numpy())

    return {
        "source": "NumPy float64 transcription of torch.nn.LayerNorm (Ba, Kiros & Hinton 2016), generated by bench/reference/norms.py",
        "notes": [
            "x, ybar, y, xbar, y_eval: [B, T, C]; gamma, beta, gammabar, betabar: [C]. Normalization over the last axis "
            "with the biased variance, eps inside the square root: y = gamma (x - mean) / sqrt(var + eps) + beta.",
            "Per iteration: x and ybar (cotangent of y) are the inputs; gammabar, betabar are that iteration's gradients. "
            "LayerNorm has no state: the iterations are independent and y_eval (on iterations[2].x) equals iterations[2].y.",
        ],
        "config": LN,
        "gamma": tolist(gamma), "beta": tolist(beta),
        "iterations": [{k: tolist(v) for k, v in it.items()} for it in its],
        "y_eval": tolist(y_eval),
    }


# ================================================================ RMSNorm

RMS = {"B": 3, "T": 2, "C": 8, "seed": 20191016}
# (name, p, bias, eps): the reference's default (full RMS, no offset), with offset, partial RMSNorm,
# and a large eps, with which adding eps to the RMS (the code) and to the mean square (torch.nn.RMSNorm)
# differ visibly (with eps = 1e-8 they agree to 1e-8).
RMS_VARIANTS = [("full", -1.0, False, 1e-8), ("bias", -1.0, True, 1e-8), ("partial", 0.375, False, 1e-8), ("large_eps", -1.0, False, 0.5)]


def rmsnorm_train(x, ybar, scale, offset, p, eps):
    """bzhangGo/rmsnorm RMSNorm.forward and its autograd backward, written out."""
    d = x.shape[-1]
    k = d if (p < 0.0 or p > 1.0) else int(d * p)
    xp = x[..., :k]
    norm = np.sqrt((xp ** 2).sum(axis=-1, keepdims=True))
    rms = norm * k ** (-1.0 / 2)
    den = rms + eps
    normed = x / den
    y = scale * normed + (offset if offset is not None else 0.0)
    u = ybar * scale
    # d normed_i / d x_j = delta_ij / den - x_i / den^2 * d rms / d x_j;  d rms / d x_j = x_j / (k rms), j < k
    dot = (u * x).sum(axis=-1, keepdims=True)
    xbar = u / den
    xbar[..., :k] -= dot / den ** 2 * xp / (k * rms)
    red = tuple(range(x.ndim - 1))
    out = {"y": y, "xbar": xbar, "scalebar": (ybar * normed).sum(axis=red)}
    if offset is not None:
        out["offsetbar"] = ybar.sum(axis=red)
    return out


def rmsnorm_fixture(check, ref_path):
    rng = np.random.default_rng(RMS["seed"])
    B, T, C = RMS["B"], RMS["T"], RMS["C"]
    scale = rng.uniform(0.5, 1.5, C)
    offset = rng.normal(0, 0.5, C)
    inputs = []
    for _ in range(ITERATIONS):
        x = rng.normal(0, 1, (B, T, C)) * rng.uniform(0.5, 3, (B, T, 1)) + rng.normal(0, 0.5, (B, T, 1))
        inputs.append((x, rng.normal(0, 1, (B, T, C))))
    variants = {}
    for name, p, bias, eps in RMS_VARIANTS:
        its = []
        for x, ybar in inputs:
            out = rmsnorm_train(x, ybar, scale, offset if bias else None, p, eps)
            its.append({"x": x, "ybar": ybar, **out})
        y_eval = rmsnorm_train(inputs[-1][0], inputs[-1][1], scale, offset if bias else None, p, eps)["y"]
        variants[name] = {"p": p, "bias": bias, "eps": eps, "its": its, "y_eval": y_eval}

    if check is not None and ref_path:
        import torch
        mod = load(ref_path, "rmsnorm_ref")
        for name, v in variants.items():
            m = mod.RMSNorm(C, p=v["p"], eps=v["eps"], bias=v["bias"]).double()
            with torch.no_grad():
                m.scale.copy_(torch.from_numpy(scale))
                if v["bias"]:
                    m.offset.copy_(torch.from_numpy(offset))
            for it in v["its"]:
                m.zero_grad(set_to_none=True)
                xt = torch.from_numpy(it["x"].copy()).requires_grad_(True)
                y = m(xt)
                y.backward(torch.from_numpy(it["ybar"]))
                check.cmp("rmsnorm", f"{name} y", it["y"], y.detach().numpy())
                check.cmp("rmsnorm", f"{name} xbar", it["xbar"], xt.grad.numpy())
                check.cmp("rmsnorm", f"{name} scalebar", it["scalebar"], m.scale.grad.numpy())
                if v["bias"]:
                    check.cmp("rmsnorm", f"{name} offsetbar", it["offsetbar"], m.offset.grad.numpy())
            with torch.no_grad():
                check.cmp("rmsnorm", f"{name} y_eval", v["y_eval"], m.eval()(torch.from_numpy(inputs[-1][0].copy())).numpy())

    return {
        "source": ("NumPy float64 transcription of bzhangGo/rmsnorm rmsnorm_torch.py class RMSNorm "
                   "(commit 2e726f1a3f106bb719056422f4f9b6aca03d3ce6), generated by bench/reference/norms.py"),
        "notes": [
            "x, ybar, y, xbar, y_eval: [B, T, C]; scale, offset, scalebar, offsetbar: [C].",
            "rms = ||x[..., :k]||_2 * k^(-1/2) with k = C when p < 0 or p > 1, else k = int(C p); "
            "y = scale * x / (rms + eps) (+ offset when bias). eps = 1e-8 is added to the RMS, outside the square root.",
            "variants: 'full' (p = -1, no offset, eps = 1e-8: the reference's defaults), 'bias' (p = -1, with offset), "
            "'partial' (p = 0.375: the RMS of the first 3 of 8 channels, no offset), 'large_eps' (p = -1, no offset, "
            "eps = 0.5, so that where eps is added shows). All use the same inputs; each variant records its p, bias, eps.",
            "RMSNorm has no state: y_eval (on iterations[2].x) equals iterations[2].y.",
        ],
        "config": RMS,
        "scale": tolist(scale), "offset": tolist(offset),
        "variants": {
            name: {
                "p": v["p"], "bias": v["bias"], "eps": v["eps"],
                "iterations": [{k: tolist(a) for k, a in it.items()} for it in v["its"]],
                "y_eval": tolist(v["y_eval"]),
            }
            for name, v in variants.items()
        },
    }


# ================================================================ BatchNorm

BN = {"C": 5, "B2": 6, "B3": 3, "T3": 4, "momentum": 0.1, "eps": 1e-5, "seed": 20150211}


def batchnorm_train(x, ybar, gamma, beta, state, momentum, eps):
    """torch.nn.BatchNorm1d in training mode, channels on the LAST axis of x ([B, C] or [B, T, C]):
    forward, autograd backward (written out) and the running-statistics update."""
    C = x.shape[-1]
    rows = x.reshape(-1, C)
    n = rows.shape[0]
    mu = rows.mean(axis=0)
    var = ((rows - mu) ** 2).mean(axis=0)                       # biased: used to normalize
    s = np.sqrt(var + eps)
    xhat = (x - mu) / s
    y = gamma * xhat + beta
    u = (ybar * gamma).reshape(-1, C)
    xh = xhat.reshape(-1, C)
    xbar = ((u - u.mean(axis=0) - xh * (u * xh).mean(axis=0)) / s).reshape(x.shape)
    red = tuple(range(x.ndim - 1))
    state["running_mean"] = (1 - momentum) * state["running_mean"] + momentum * mu
    state["running_var"] = (1 - momentum) * state["running_var"] + momentum * var * n / (n - 1)   # unbiased
    state["num_batches_tracked"] += 1
    return y, xbar, (ybar * xhat).sum(axis=red), ybar.sum(axis=red)


def batchnorm_eval(x, gamma, beta, state, eps):
    return gamma * (x - state["running_mean"]) / np.sqrt(state["running_var"] + eps) + beta


def batchnorm_fixture(check):
    rng = np.random.default_rng(BN["seed"])
    C, momentum, eps = BN["C"], BN["momentum"], BN["eps"]
    gamma = rng.uniform(0.5, 1.5, C)
    beta = rng.normal(0, 0.5, C)
    shapes = {"2d": (BN["B2"], C), "3d": (BN["B3"], BN["T3"], C)}
    cases = {}
    for key, shape in shapes.items():
        state = {"running_mean": np.zeros(C), "running_var": np.ones(C), "num_batches_tracked": 0}
        its = []
        for _ in range(ITERATIONS):
            x = rng.normal(0, 1, shape) * rng.uniform(0.5, 3, C) + rng.normal(0, 2, C)
            ybar = rng.normal(0, 1, shape)
            y, xbar, gb, bb = batchnorm_train(x, ybar, gamma, beta, state, momentum, eps)
            its.append({"x": x, "ybar": ybar, "y": y, "xbar": xbar, "gammabar": gb, "betabar": bb,
                        "running_mean": state["running_mean"].copy(), "running_var": state["running_var"].copy(),
                        "num_batches_tracked": state["num_batches_tracked"]})
        x_eval = rng.normal(0, 1, shape) * rng.uniform(0.5, 3, C) + rng.normal(0, 2, C)
        cases[key] = {"its": its, "x_eval": x_eval, "y_eval": batchnorm_eval(x_eval, gamma, beta, state, eps)}

    if check is not None and have_torch():
        import torch
        for key, case in cases.items():
            m = torch.nn.BatchNorm1d(C, momentum=momentum, eps=eps).double()
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(gamma))
                m.bias.copy_(torch.from_numpy(beta))
            # BatchNorm1d wants channels on axis 1: [B, C] as is, [B, T, C] as [B, C, T].
            to = (lambda a: a) if key == "2d" else (lambda a: a.permute(0, 2, 1))
            m.train()
            for it in case["its"]:
                m.zero_grad(set_to_none=True)
                xt = torch.from_numpy(it["x"].copy()).requires_grad_(True)
                y = to(m(to(xt)))
                y.backward(torch.from_numpy(it["ybar"]))
                for k, theirs in [("y", y.detach()), ("xbar", xt.grad), ("gammabar", m.weight.grad), ("betabar", m.bias.grad),
                                  ("running_mean", m.running_mean), ("running_var", m.running_var)]:
                    check.cmp("batchnorm", f"{key} {k}", it[k], theirs.numpy())
                assert int(m.num_batches_tracked) == it["num_batches_tracked"]
            m.eval()
            with torch.no_grad():
                check.cmp("batchnorm", f"{key} y_eval", case["y_eval"], to(m(to(torch.from_numpy(case["x_eval"].copy())))).numpy())

    return {
        "source": "NumPy float64 transcription of torch.nn.BatchNorm1d (Ioffe & Szegedy 2015), generated by bench/reference/norms.py",
        "notes": [
            "Channels are on the LAST axis: '2d' inputs are [B2, C]; '3d' inputs are [B3, T3, C], the reference being "
            "BatchNorm1d applied to x.permute(0, 2, 1). Statistics per channel over all other axes (n = B2 or B3*T3 values).",
            "Training: y = gamma (x - mean) / sqrt(var_biased + eps) + beta; then running_mean <- (1 - momentum) running_mean "
            "+ momentum mean, running_var <- (1 - momentum) running_var + momentum var_biased n / (n - 1), "
            "num_batches_tracked += 1. Initial state: running_mean = 0, running_var = 1, num_batches_tracked = 0.",
            "Per iteration: the state AFTER the step; xbar, gammabar, betabar are that iteration's gradients (the gradient "
            "flows through the batch mean and variance). The two cases have independent layers and states.",
            "x_eval, y_eval: an eval-mode forward after the 3 iterations, with the running statistics of iterations[2].",
        ],
        "config": BN,
        "gamma": tolist(gamma), "beta": tolist(beta),
        "cases": {
            key: {
                "iterations": [{k: (v if k == "num_batches_tracked" else tolist(v)) for k, v in it.items()} for it in case["its"]],
                "x_eval": tolist(case["x_eval"]), "y_eval": tolist(case["y_eval"]),
            }
            for key, case in cases.items()
        },
    }


# ================================================================ Unified Normalization (UN1d)

class UNConfig:
    def __init__(self, C, fp_window, bp_window, warmup, filtration, eps=1e-5, momentum=0.9):
        self.C, self.fp, self.bp, self.warmup, self.filtration = C, fp_window, bp_window, warmup, filtration
        self.eps, self.momentum = eps, momentum

    def as_dict(self):
        return {"C": self.C, "fp_window": self.fp, "bp_window": self.bp, "warmup_iters": self.warmup,
                "outlier_filtration": self.filtration, "eps": self.eps, "momentum": self.momentum}


def un_initial_state(cfg):
    return {"running_var": np.ones(cfg.C), "ema_gz": np.zeros(cfg.C), "iters": 0,
            "buffer_x2": np.zeros((cfg.fp, cfg.C)), "buffer_gz": np.zeros((cfg.bp, cfg.C)), "skip_counter": 0}


def un_train_step(x, ybar, pad_mask, st, gamma, beta, cfg):
    """One UN1d training forward (UN1d.forward + UN2dFunction.forward) and backward
    (UN2dFunction.backward). x, ybar: [B, N, C]; pad_mask: [B, N] bool, True = padding, or None.
    Updates st in place and returns the step's outputs and the quantities its branches depend on."""
    eps, m = cfg.eps, cfg.momentum
    st["iters"] += 1                                           # incremented BEFORE the function runs
    t = st["iters"]
    C = x.shape[-1]
    tokens = x.reshape(-1, C) if pad_mask is None else x[~pad_mask]
    x2 = (tokens * tokens).mean(axis=0)                        # per channel, non-pad tokens only
    skip = not (cfg.fp > 1)
    # outlier filtration: the threshold is computed BEFORE x2 enters the buffer
    recorded_var = np.var(np.sqrt(st["buffer_x2"]), ddof=1)   # ONE scalar over all W*C entries (unbiased)
    st["buffer_x2"][t % cfg.fp] = x2
    outlier = False
    margin = threshold = None
    if t >= cfg.warmup and cfg.filtration:
        am = st["buffer_x2"].mean(axis=0)
        gm = np.exp(np.mean(np.log(st["buffer_x2"]), axis=0))
        diff = am - gm
        threshold = float(recorded_var * cfg.fp)
        margin = float(np.max(diff)) - threshold               # > 0: skip
        if (diff > recorded_var * cfg.fp).sum() > 0:
            st["buffer_x2"][t % cfg.fp] = st["running_var"]    # the OLD running_var replaces x2
            skip = True
            outlier = True
            st["skip_counter"] += 1
    if t <= cfg.fp or t < cfg.warmup or skip:
        var = x2
    else:
        var = np.exp(np.mean(np.log(st["buffer_x2"]), axis=0))  # geometric mean over the window
    r = np.sqrt(var + eps) / np.sqrt(st["running_var"] + eps)  # OLD running_var
    if t <= max(1000, cfg.warmup) or skip:
        r = np.ones(C)
    else:
        r = np.clip(r, 1 / 5, 5)
    z = x / np.sqrt(var + eps)                                 # all positions, pads too
    st["running_var"] = m * st["running_var"] + (1 - m) * var  # also after a skipped (outlier) batch
    y = gamma * z + beta

    # backward (custom): gradient compensation r, smoothed gz, no gradient through var
    g = ybar * gamma * r
    gz = (g * z).mean(axis=(0, 1))                             # over ALL B*N positions, pads too
    st["buffer_gz"][t % cfg.bp] = st["ema_gz"] if skip else gz
    if t <= cfg.bp or t < cfg.warmup or skip:
        mean_gz = gz
    else:
        mean_gz = st["buffer_gz"].mean(axis=0)                 # arithmetic mean over the window
    st["ema_gz"] = st["ema_gz"] * m + (1 - m) * mean_gz
    approx = g - mean_gz * z if skip else g - st["ema_gz"] * z  # the UPDATED ema_gz
    xbar = approx / np.sqrt(var + eps)
    gammabar = (ybar * r * z).sum(axis=(0, 1))                 # r * z, not z
    betabar = ybar.sum(axis=(0, 1))
    return {"y": y, "xbar": xbar, "gammabar": gammabar, "betabar": betabar, "skip": skip, "outlier": outlier,
            "filtration_margin": margin, "filtration_threshold": threshold, "r": r, "var": var}


def un_eval(x, gamma, beta, running_var, eps):
    return gamma * x / np.sqrt(running_var + eps) + beta


def un_fold_preceding(w, b, gamma, beta, running_var, eps):
    """The Linear h = x @ w + b (w: [n, C], flowc's layout) followed by eval-mode UN, as one Linear."""
    a = gamma / np.sqrt(running_var + eps)
    return w * a[None, :], a * b + beta


def snapshot(st):
    return {"running_var": st["running_var"].copy(), "ema_gz": st["ema_gz"].copy(), "iters": st["iters"],
            "buffer_x2": st["buffer_x2"].copy(), "buffer_gz": st["buffer_gz"].copy(), "skip_counter": st["skip_counter"]}


# Three training scenarios and a fold, each recorded step by step (see the fixture's notes):
#
# "fresh"  the layers.md §6 recipe: B=2, N=4, C=6, W=2, warm-up 3, filtration on, 8 steps from the
#          initial state, a x100 outlier batch at step 6, one padding token. Its seed is the first
#          of 1..399 with which step 3 (t = warm-up) is not filtered and uses the window's geometric
#          mean, a clean step is filtered, the outlier is filtered, step 7 uses the window again, and
#          one filtration decision lies within 1/12 of the threshold W v, so that v's n - 1 matters
#          (step 3: 2.1 % below it), none within 1 % (safe in float32).
# "edges"  windows (3, 2), warm-up 1, no filtration, no mask, 4 steps from the initial state: the
#          window boundaries t = W' = 2 (the backward switches to the window mean after it) and
#          t = W = 3 (the forward switches to the geometric mean after it); at steps 1 and 2 the
#          geometric mean of the half-empty buffer is exp(-inf) = 0 in the branch not taken.
# "onset"  window 2, warm-up 2, filtration on, no mask, 3 steps from the initial state, a x100 batch
#          at step 2 = warm-up: the first step the filtration applies to, filtered.
# "late"   windows (3, 2), warm-up 3, no filtration (the NMT setting), no mask, from a preset state
#          at iters = 999: step 1000 has r = 1, steps 1001 to 1003 use the clamped gradient
#          compensation r. Channel 0's running_var is preset 100x too large (r clamped to 1/5 on
#          every step); channel 1 of step 1002's batch is 1000x larger (r clamped to 5).
# "fold"   a Linear layer followed by eval-mode UN with the state after "fresh", and its fold.
UN_SCENARIOS = {
    "fresh": {"config": UNConfig(C=6, fp_window=2, bp_window=2, warmup=3, filtration=True),
              "shape": (2, 4), "steps": 8, "seed": 40, "outlier_step": 6, "pad": [(1, 3)]},
    "edges": {"config": UNConfig(C=6, fp_window=3, bp_window=2, warmup=1, filtration=False),
              "shape": (2, 3), "steps": 4, "seed": 16},
    "onset": {"config": UNConfig(C=6, fp_window=2, bp_window=2, warmup=2, filtration=True),
              "shape": (2, 3), "steps": 3, "seed": 18, "outlier_step": 2},
    "late": {"config": UNConfig(C=6, fp_window=3, bp_window=2, warmup=3, filtration=False),
             "shape": (3, 2), "steps": 4, "seed": 17, "start": 999},
}
UN_PARAM_SEED = 20220801
UN_LIN_IN = 5


def un_run(x_list, ybar_list, pad_mask, st, gamma, beta, cfg):
    its = []
    for x, ybar in zip(x_list, ybar_list):
        out = un_train_step(x, ybar, pad_mask, st, gamma, beta, cfg)
        its.append({"x": x, "ybar": ybar, **out, "state": snapshot(st)})
    return its


def un_scenario(name, gamma, beta, scales):
    sc = UN_SCENARIOS[name]
    cfg, (B, N) = sc["config"], sc["shape"]
    C = cfg.C
    rng = np.random.default_rng(sc["seed"])
    state0 = None
    if name == "late":
        state0 = {
            "running_var": scales ** 2 * rng.uniform(0.8, 1.25, C),
            "ema_gz": rng.normal(0, 0.05, C),
            "iters": sc["start"],
            "buffer_x2": scales ** 2 * rng.uniform(0.7, 1.4, (cfg.fp, C)),
            "buffer_gz": rng.normal(0, 0.05, (cfg.bp, C)),
            "skip_counter": 0,
        }
        state0["running_var"][0] *= 100.0                      # r well below 1/5 on channel 0
    first = state0["iters"] + 1 if state0 else 1
    xs, ybars = [], []
    for t in range(first, first + sc["steps"]):
        x = rng.normal(0, 1, (B, N, C)) * scales
        if t == sc.get("outlier_step"):
            x = 100.0 * x
        if name == "late" and t == 1002:
            x[..., 1] *= 1000.0                                # r well above 5 on channel 1
        xs.append(x)
        ybars.append(rng.normal(0, 1, (B, N, C)))
    pad = None
    if "pad" in sc:
        pad = np.zeros((B, N), dtype=bool)
        for b, n in sc["pad"]:
            pad[b, n] = True
    st = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state0.items()} if state0 else un_initial_state(cfg)
    its = un_run(xs, ybars, pad, st, gamma, beta, cfg)
    return {"name": name, "cfg": cfg, "B": B, "N": N, "xs": xs, "ybars": ybars, "pad": pad, "state0": state0,
            "its": its, "state": st, "y_eval": un_eval(xs[-1], gamma, beta, st["running_var"], cfg.eps)}


def un_check_coverage(runs):
    """The branches each scenario is meant to cover (the seeds and presets were chosen for them)."""
    fresh, edges, late = runs["fresh"]["its"], runs["edges"]["its"], runs["late"]["its"]
    skips = [it["skip"] for it in fresh]
    rel = [None if it["filtration_margin"] is None else it["filtration_margin"] / it["filtration_threshold"] for it in fresh]
    print("UN fresh: skip per step", skips, "filtration margin / threshold", [None if r is None else round(r, 4) for r in rel])
    assert skips == [False, False, False, True, False, True, False, True], skips
    assert fresh[UN_SCENARIOS["fresh"]["outlier_step"] - 1]["outlier"], "the outlier batch must be filtered"
    assert all(r is None or abs(r) > 0.01 for r in rel), "a filtration decision too close to call in float32"
    assert any(r is not None and -1 / 12 < r < 0 for r in rel), "no decision that v's unbiasedness (n - 1 = 11) flips"
    assert not any(it["skip"] for it in edges)
    assert [it["outlier"] for it in runs["onset"]["its"]] == [False, True, True]
    clamp_lo = [bool(it["r"][0] == 0.2) for it in late]
    clamp_hi = [bool(it["r"][1] == 5.0) for it in late]
    print("UN late: r", [np.round(it["r"], 4).tolist() for it in late])
    assert clamp_lo == [False, True, True, True] and clamp_hi == [False, False, True, False], (clamp_lo, clamp_hi)
    for k, it in enumerate(late[1:], start=1):
        unclamped = it["r"][1 + clamp_hi[k]:]
        assert np.all((unclamped > 0.2 + 1e-3) & (unclamped < 5 - 1e-3)), it["r"]


def un_fixture(check, ref_path):
    rng = np.random.default_rng(UN_PARAM_SEED)
    C = UN_SCENARIOS["fresh"]["config"].C
    gamma = rng.uniform(0.5, 1.5, C)
    beta = rng.normal(0, 0.5, C)
    scales = np.linspace(0.5, 2.0, C)[rng.permutation(C)]     # uneven channel scales (see layers.md §6 "Caveat")
    runs = {name: un_scenario(name, gamma, beta, scales) for name in UN_SCENARIOS}
    un_check_coverage(runs)

    # the fold: x_lin @ w + b, then eval-mode UN with the state after "fresh"
    fresh = runs["fresh"]
    rv = fresh["state"]["running_var"]
    eps = fresh["cfg"].eps
    w_lin = rng.uniform(-1, 1, (UN_LIN_IN, C)) / np.sqrt(UN_LIN_IN)
    b_lin = rng.uniform(-1, 1, C) / np.sqrt(UN_LIN_IN)
    x_lin = rng.normal(0, 1, (fresh["B"], fresh["N"], UN_LIN_IN))
    y_un_after_linear = un_eval(x_lin @ w_lin + b_lin, gamma, beta, rv, eps)
    w_fold, b_fold = un_fold_preceding(w_lin, b_lin, gamma, beta, rv, eps)
    y_folded = x_lin @ w_fold + b_fold
    assert float(np.max(np.abs(y_folded - y_un_after_linear))) < 1e-12

    if check is not None and ref_path:
        import torch
        mod = load(ref_path, "un_ref")
        for run in runs.values():
            cfg, state0 = run["cfg"], run["state0"]
            m = mod.UN1d(C, window_size=(cfg.fp, cfg.bp), warmup_iters=cfg.warmup, outlier_filtration=cfg.filtration,
                         eps=cfg.eps, momentum=cfg.momentum).double()
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(gamma))
                m.bias.copy_(torch.from_numpy(beta))
                if state0 is not None:
                    for k in ("running_var", "ema_gz", "buffer_x2", "buffer_gz"):
                        getattr(m, k).copy_(torch.from_numpy(state0[k]))
                    m.iters.fill_(state0["iters"])
            m.train()
            for x, ybar, it in zip(run["xs"], run["ybars"], run["its"]):
                m.zero_grad(set_to_none=True)
                xt = torch.from_numpy(x.copy()).requires_grad_(True)
                y = m(xt, pad_mask=None if run["pad"] is None else torch.from_numpy(run["pad"]))
                y.backward(torch.from_numpy(ybar))
                at = f"{run['name']} step {int(m.iters)}"
                for k, theirs in [("y", y.detach()), ("xbar", xt.grad), ("gammabar", m.weight.grad), ("betabar", m.bias.grad)]:
                    check.cmp("unified", f"{at} {k}", it[k], theirs.numpy())
                for k in ("running_var", "ema_gz", "buffer_x2", "buffer_gz"):
                    check.cmp("unified", f"{at} {k}", it["state"][k], getattr(m, k).numpy())
                assert it["state"]["iters"] == int(m.iters) and it["state"]["skip_counter"] == int(m.skip_counter)
            m.eval()
            with torch.no_grad():
                check.cmp("unified", f"{run['name']} y_eval", run["y_eval"], m(torch.from_numpy(run["xs"][-1].copy())).numpy())
                if run["name"] == "fresh":
                    lin = torch.nn.Linear(UN_LIN_IN, C).double()
                    lin.weight.copy_(torch.from_numpy(w_lin.T.copy()))
                    lin.bias.copy_(torch.from_numpy(b_lin))
                    check.cmp("unified", "y_un_after_linear", y_un_after_linear, m(lin(torch.from_numpy(x_lin))).numpy())

    def its_json(its):
        return [{
            "step": it["state"]["iters"], "x": tolist(it["x"]), "ybar": tolist(it["ybar"]),
            "y": tolist(it["y"]), "xbar": tolist(it["xbar"]), "gammabar": tolist(it["gammabar"]), "betabar": tolist(it["betabar"]),
            "skip": bool(it["skip"]), "outlier": bool(it["outlier"]), "r": tolist(it["r"]), "var": tolist(it["var"]),
            "running_var": tolist(it["state"]["running_var"]), "ema_gz": tolist(it["state"]["ema_gz"]),
            "buffer_x2": tolist(it["state"]["buffer_x2"]), "buffer_gz": tolist(it["state"]["buffer_gz"]),
            "skip_counter": it["state"]["skip_counter"],
        } for it in its]

    def scenario_json(run):
        out = {"config": run["cfg"].as_dict(), "B": run["B"], "N": run["N"], "seed": UN_SCENARIOS[run["name"]]["seed"]}
        if run["pad"] is not None:
            out["pad_mask"] = run["pad"].tolist()
        if run["state0"] is not None:
            out["initial_state"] = {k: (v if isinstance(v, int) else tolist(v)) for k, v in run["state0"].items()}
        out["iterations"] = its_json(run["its"])
        out["y_eval"] = tolist(run["y_eval"])
        return out

    return {
        "source": ("NumPy float64 transcription of hikvision-research/Unified-Normalization "
                   "image_classification/models/unified_normalization/unified_normalization.py (classes UN1d, UN2dFunction; "
                   "commit 0ce9bf26837f94c58ae5dd0d206ad3aa32d82d07), generated by bench/reference/norms.py"),
        "notes": [
            "x, ybar, y, xbar, y_eval: [B, N, C] (UN1d's input layout). gamma, beta, gammabar, betabar, running_var, ema_gz, "
            "r, var: [C]. buffer_x2: [fp_window, C]; buffer_gz: [bp_window, C]. gamma and beta are shared by all scenarios.",
            "pad_mask ('fresh' only): [B, N], true = PADDING. x2 (the batch statistic) is the mean of x^2 over non-pad tokens; "
            "z, y, xbar are defined at every position, and the gz mean of the backward is over all positions, pads included. "
            "The other scenarios call UN1d without a mask (every position is a token).",
            "step = the iters counter AFTER its increment (the t of every comparison). Each iteration records the layer's "
            "state AFTER the step's forward (running_var, buffer_x2, skip_counter) and backward (ema_gz, buffer_gz); "
            "skip/outlier/r/var are the step's internal decisions (for diagnosis). gammabar = sum(ybar * r * z): it "
            "includes the gradient compensation r.",
            "'fresh' and 'edges' start from the initial state running_var = 1, ema_gz = 0, buffers = 0, iters = 0, "
            "skip_counter = 0. In 'fresh' the x of step 6 is 100x larger (an outlier batch, filtered); steps 4, 6 and 8 are "
            "filtered (skip), step 3's filtration margin is 2.1 % of the threshold.",
            "'edges': windows (3, 2) and warm-up 1, so that the window boundaries t = 2 (backward) and t = 3 (forward) decide.",
            "'onset': window 2, warm-up 2, filtration on; the x of step 2 (= warm-up, the first step filtered) is 100x larger; step 3 is filtered too.",
            "'late': initial state 'late.initial_state' (iters = 999): step 1000 has r = 1, steps 1001 to 1003 "
            "use r = clamp(sqrt(var + eps) / sqrt(running_var + eps), 1/5, 5): channel 0 (running_var preset 100x too large) "
            "at 1/5 on each of them; channel 1 at 5 on step 1002, whose batch has channel 1 scaled by 1000; the others inside the bounds.",
            "'fold': a Linear x_lin @ w_lin + b_lin (w_lin: [n_in, C], flowc's layout) followed by eval-mode UN with the state "
            "after 'fresh' equals the Linear x_lin @ w_folded + b_folded (y_un_after_linear = y_folded up to rounding).",
            "y_eval: eval-mode forward on the scenario's last x after its iterations, y = gamma x / sqrt(running_var + eps) + beta.",
        ],
        "gamma": tolist(gamma), "beta": tolist(beta),
        **{name: scenario_json(run) for name, run in runs.items()},
        "fold": {"n_in": UN_LIN_IN, "w_lin": tolist(w_lin), "b_lin": tolist(b_lin), "x_lin": tolist(x_lin),
                 "y_un_after_linear": tolist(y_un_after_linear), "w_folded": tolist(w_fold), "b_folded": tolist(b_fold),
                 "y_folded": tolist(y_folded)},
        "param_seed": UN_PARAM_SEED,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--un-ref", metavar="UNIFIED_NORMALIZATION_PY", help="the reference unified_normalization.py")
    ap.add_argument("--rmsnorm-ref", metavar="RMSNORM_TORCH_PY", help="the reference rmsnorm_torch.py")
    ap.add_argument("--no-check", action="store_true", help="do not compare with torch even if it is installed")
    ap.add_argument("--tol", type=float, default=1e-12)
    args = ap.parse_args()
    check = None if args.no_check else Checker(args.tol)
    fixtures = {
        "norms-layernorm.json": layernorm_fixture(check),
        "norms-rmsnorm.json": rmsnorm_fixture(check, args.rmsnorm_ref),
        "norms-batchnorm.json": batchnorm_fixture(check),
        "norms-unified.json": un_fixture(check, args.un_ref),
    }
    if check is not None:
        check.report()
    for name, fixture in fixtures.items():
        write(name, fixture)


if __name__ == "__main__":
    main()
