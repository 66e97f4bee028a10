"""Float64 reference fixture for PowerNorm (Shen et al., ICML 2020): writes
test/fixtures/reference/powernorm.json.

    /usr/bin/python3 bench/reference/powernorm.py
    /usr/bin/python3 bench/reference/powernorm.py --check-against path/to/mask_powernorm.py

The algorithm is a NumPy transcription of the reference implementation
  repository sIncerass/powernorm, file fairseq/modules/norms/mask_powernorm.py,
  classes MaskPowerNorm (forward, train and eval), PowerFunction (custom forward/backward)
  and GroupScaling1D
(as built by fairseq/modules/norm_select.py: MaskPowerNorm(embed_dim, group_num=head_num,
warmup_iters=warmup_updates)). Generating the fixture needs only NumPy. With --check-against,
the script also loads the original module with PyTorch, runs it in float64 on the same inputs and
compares every recorded number (the JSON is only written if that check passes).

Semantics of the reference code, transcribed below (x is T x B x C, pad_mask is B x T, True = pad):
  GroupScaling1D   u = x / sqrt(mean_{c in group}(x_c^2) + 1e-5), per token, over ALL tokens
                   (pads included); its gradient is the ordinary autograd gradient.
  counter          iters <- iters + 1 BEFORE PowerFunction runs, so t = 1 on the first step and
                   every comparison with W uses the incremented counter.
  psi2 ("var")     per channel: mean of u^2 over the NON-PAD tokens only. It enters through the
                   separate argument mask_x, whose gradient is None: no gradient flows through psi2.
  forward (train)  z = u / sqrt(psi2 + eps) if t <= W else u / sqrt(phi_old + eps), at ALL
                   positions (pads too); y = gamma z + beta.
                   if t < W: phi <- phi (t-1)/t + psi2 / t;  then always phi <- a_f phi + (1-a_f) psi2.
  backward         g = ybar * gamma;  xt = g - (1 - a_b) nu_old z;
                   nu <- nu_old + mean over ALL T*B positions (pads included) of xt * z;
                   ubar = xt / sqrt(psi2 + eps)   (the CURRENT batch psi2, also after warm-up);
                   gammabar = sum over all positions of ybar * z;  betabar = sum of ybar.
                   xbar = GroupScaling1D vjp of ubar.
  eval             y = gamma u / sqrt(phi + eps) + beta at all positions; no mask, no counter step,
                   no state change.
"""
import argparse
import importlib.util
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "test", "fixtures", "reference", "powernorm.json")

# Setting of the fixture.
T, B, C = 5, 2, 8
GROUP_NUM = 2
WARMUP = 2
ALPHA_FWD = 0.9
ALPHA_BKW = 0.9
EPS = 1e-5          # MaskPowerNorm eps (PowerFunction)
GS_EPS = 1e-5       # GroupScaling1D's own default eps (MaskPowerNorm does not pass its eps on)
ITERATIONS = 3
SEED = 20200713
PAD = [(4, 1)]      # (t, b) positions that are padding


# ---------------------------------------------------------------- transcription

def group_scaling(x, group_num, eps=GS_EPS):
    """GroupScaling1D.forward. x: T x B x C. Returns (u, saved) where saved feeds the vjp."""
    t, b, c = x.shape
    xg = x.reshape(t, b, group_num, c // group_num)
    moment2 = np.mean(xg * xg, axis=3, keepdims=True)          # T x B x G x 1
    s = np.sqrt(moment2 + eps)
    u = (xg / s).reshape(t, b, c)
    return u, (xg, s)


def group_scaling_vjp(ubar, saved):
    """Autograd gradient of GroupScaling1D: u = x / s, s = sqrt(mean_group(x^2) + eps)."""
    xg, s = saved
    t, b, g, cg = xg.shape
    ug = ubar.reshape(t, b, g, cg)
    # d u_i / d x_j = delta_ij / s - x_i x_j / (cg s^3)
    dot = np.sum(ug * xg, axis=3, keepdims=True)
    xbar = ug / s - xg * dot / (cg * s ** 3)
    return xbar.reshape(t, b, g * cg)


def power_forward_train(u, nonpad, gamma, beta, running_phi, t, warmup, afwd, eps):
    """PowerFunction.forward. u: T x B x C (after GroupScaling), nonpad: T x B bool (True = real
    token), running_phi: C (phi before this step), t: counter after increment.
    Returns y, new running_phi, and what the backward saves."""
    psi2 = np.mean(u[nonpad] ** 2, axis=0)                     # C, non-pad tokens only
    if t <= warmup:
        z = u / np.sqrt(psi2 + eps)
    else:
        z = u / np.sqrt(running_phi + eps)
    phi = running_phi.copy()
    if t < warmup:
        phi = phi * (t - 1) / t + psi2 / t
    phi = afwd * phi + (1 - afwd) * psi2
    y = gamma * z + beta
    return y, phi, (z, psi2)


def power_backward(ybar, gamma, ema_gz, saved, abkw, eps):
    """PowerFunction.backward (approximate gradient, updates ema_gz).
    Returns ubar (gradient w.r.t. the GroupScaling output), gammabar, betabar, new ema_gz."""
    z, psi2 = saved
    g = ybar * gamma
    approx = g - (1 - abkw) * ema_gz * z
    new_ema_gz = ema_gz + np.mean(approx * z, axis=(0, 1))     # mean over all T*B positions
    ubar = approx / np.sqrt(psi2 + eps)                        # batch psi2, not running_phi
    gammabar = np.sum(ybar * z, axis=(0, 1))
    betabar = np.sum(ybar, axis=(0, 1))
    return ubar, gammabar, betabar, new_ema_gz


def power_eval(x, gamma, beta, running_phi, group_num, eps):
    """MaskPowerNorm.forward in eval mode (GroupScaling, then the running phi)."""
    u, _ = group_scaling(x, group_num)
    return gamma * u / np.sqrt(running_phi + eps) + beta


def mask_power_norm_train_step(x, ybar, pad_mask, state, gamma, beta):
    """One MaskPowerNorm training forward + backward. pad_mask: B x T bool, True = pad."""
    state["iters"] += 1
    t = state["iters"]
    nonpad = ~pad_mask.T                                       # T x B
    u, gs_saved = group_scaling(x, GROUP_NUM)
    y, phi, saved = power_forward_train(u, nonpad, gamma, beta, state["running_phi"], t,
                                        WARMUP, ALPHA_FWD, EPS)
    ubar, gammabar, betabar, ema_gz = power_backward(ybar, gamma, state["ema_gz"], saved,
                                                     ALPHA_BKW, EPS)
    xbar = group_scaling_vjp(ubar, gs_saved)
    state["running_phi"] = phi
    state["ema_gz"] = ema_gz
    return y, xbar, gammabar, betabar


# ---------------------------------------------------------------- fixture

def make_inputs():
    rng = np.random.default_rng(SEED)
    gamma = rng.uniform(0.5, 1.5, size=C)
    beta = rng.normal(0.0, 0.5, size=C)
    scale = rng.uniform(0.5, 2.0, size=C)                     # uneven channel scales
    xs, ybars = [], []
    for _ in range(ITERATIONS):
        xs.append(rng.normal(0.0, 1.0, size=(T, B, C)) * scale + rng.normal(0.0, 0.3, size=C))
        ybars.append(rng.normal(0.0, 1.0, size=(T, B, C)))
    pad_mask = np.zeros((B, T), dtype=bool)
    for (t, b) in PAD:
        pad_mask[b, t] = True
    return gamma, beta, xs, ybars, pad_mask


def run_numpy(gamma, beta, xs, ybars, pad_mask):
    state = {"iters": 0, "running_phi": np.ones(C), "ema_gz": np.zeros(C)}
    iterations = []
    for x, ybar in zip(xs, ybars):
        y, xbar, gammabar, betabar = mask_power_norm_train_step(x, ybar, pad_mask, state, gamma, beta)
        iterations.append({
            "step": state["iters"],
            "x": x, "ybar": ybar,
            "y": y, "xbar": xbar, "gammabar": gammabar, "betabar": betabar,
            "running_phi": state["running_phi"].copy(), "ema_gz": state["ema_gz"].copy(),
        })
    y_eval = power_eval(xs[-1], gamma, beta, state["running_phi"], GROUP_NUM, EPS)
    return iterations, y_eval


def run_torch(ref_path, gamma, beta, xs, ybars, pad_mask):
    """Runs the original MaskPowerNorm (loaded from ref_path) in float64."""
    import torch
    spec = importlib.util.spec_from_file_location("mask_powernorm_ref", ref_path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.MaskPowerNorm(C, eps=EPS, alpha_fwd=ALPHA_FWD, alpha_bkw=ALPHA_BKW,
                          warmup_iters=WARMUP, group_num=GROUP_NUM).double()
    with torch.no_grad():
        m.weight.copy_(torch.from_numpy(gamma))
        m.bias.copy_(torch.from_numpy(beta))
    m.train()
    mask = torch.from_numpy(pad_mask)
    out = []
    for x, ybar in zip(xs, ybars):
        m.zero_grad(set_to_none=True)
        xt = torch.from_numpy(x.copy()).requires_grad_(True)
        y = m(xt, pad_mask=mask)
        y.backward(torch.from_numpy(ybar))
        out.append({
            "step": int(m.iters.item()),
            "y": y.detach().numpy().copy(), "xbar": xt.grad.numpy().copy(),
            "gammabar": m.weight.grad.numpy().copy(), "betabar": m.bias.grad.numpy().copy(),
            "running_phi": m.running_phi.reshape(-1).numpy().copy(),
            "ema_gz": m.ema_gz.reshape(-1).numpy().copy(),
        })
    m.eval()
    with torch.no_grad():
        y_eval = m(torch.from_numpy(xs[-1].copy()), pad_mask=mask).numpy().copy()
    return out, y_eval


def tolist(a):
    return np.asarray(a, dtype=np.float64).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-against", metavar="MASK_POWERNORM_PY",
                    help="path to the reference mask_powernorm.py; compares with it in torch float64")
    ap.add_argument("--tol", type=float, default=1e-12)
    args = ap.parse_args()

    gamma, beta, xs, ybars, pad_mask = make_inputs()
    iterations, y_eval = run_numpy(gamma, beta, xs, ybars, pad_mask)

    if args.check_against:
        ref_its, ref_eval = run_torch(args.check_against, gamma, beta, xs, ybars, pad_mask)
        worst = float(np.max(np.abs(y_eval - ref_eval)))
        for it, ref in zip(iterations, ref_its):
            assert it["step"] == ref["step"], (it["step"], ref["step"])
            for k in ("y", "xbar", "gammabar", "betabar", "running_phi", "ema_gz"):
                d = float(np.max(np.abs(it[k] - ref[k])))
                print(f"step {it['step']} {k:12s} max|numpy - torch| = {d:.3e}")
                worst = max(worst, d)
        print(f"eval y max|numpy - torch| = {float(np.max(np.abs(y_eval - ref_eval))):.3e}")
        print(f"worst = {worst:.3e}")
        if worst > args.tol:
            raise SystemExit(f"mismatch with the reference: {worst} > {args.tol}")

    fixture = {
        "source": ("NumPy float64 transcription of sIncerass/powernorm "
                   "fairseq/modules/norms/mask_powernorm.py (classes MaskPowerNorm, PowerFunction, "
                   "GroupScaling1D; constructed as in fairseq/modules/norm_select.py NormSelect('power')), "
                   "generated by bench/reference/powernorm.py"),
        "notes": [
            "All arrays are nested lists in row-major order. x, ybar, y, xbar, y_eval have shape [T, B, C] "
            "(time, batch, channel: the reference's T x B x C input layout). gamma, beta, gammabar, betabar, "
            "running_phi, ema_gz have shape [C] (the reference stores running_phi/ema_gz as (1, C, 1, 1)).",
            "pad_mask has shape [B, T] as in MaskPowerNorm.forward(input, pad_mask); true = PADDING, false = real "
            "token. Exactly one pad: t=4, b=1, i.e. pad_mask[1][4] = true.",
            "Initial state before iteration 1: running_phi = 1 (all channels), ema_gz = 0, step counter = 0. "
            "Each iteration first increments the counter; 'step' is the counter AFTER the increment (1, 2, 3), "
            "and that value is the t compared with warmup_iters: z uses the batch psi2 when step <= W, the "
            "running_phi from before the step when step > W; the cumulative-average update runs when step < W, "
            "the EMA update every step.",
            "Per iteration: x and ybar are the inputs (ybar = cotangent of y); y is the training forward output; "
            "xbar is the gradient w.r.t. the input x of MaskPowerNorm (through GroupScaling1D, by the custom "
            "PowerFunction backward, no gradient through the batch statistic); gammabar, betabar are the "
            "gradients of the weight and bias for this iteration alone (not accumulated); running_phi and "
            "ema_gz are the state AFTER this iteration's forward (running_phi) and backward (ema_gz).",
            "psi2 (per channel) = mean of u^2 over non-pad tokens only, u = GroupScaling1D(x). Pad positions "
            "are nevertheless normalized in the forward (y is defined there), receive a gradient in xbar, "
            "contribute to gammabar/betabar sums, and are included in the mean over all T*B positions of the "
            "ema_gz update.",
            "y_eval: eval-mode forward on the last x (iterations[2].x) after the 3 training iterations, using "
            "running_phi of iterations[2]; eval does not change state or the counter and ignores the mask.",
            "GroupScaling1D: u = x / sqrt(mean over the C/group_num channels of the token's group of x^2 + 1e-5).",
        ],
        "config": {
            "T": T, "B": B, "C": C, "group_num": GROUP_NUM, "warmup_iters": WARMUP,
            "alpha_fwd": ALPHA_FWD, "alpha_bkw": ALPHA_BKW, "eps": EPS, "group_scaling_eps": GS_EPS,
            "affine": True, "seed": SEED, "iterations": ITERATIONS,
            "initial_running_phi": 1.0, "initial_ema_gz": 0.0, "initial_step": 0,
        },
        "pad_mask": pad_mask.tolist(),
        "gamma": tolist(gamma),
        "beta": tolist(beta),
        "iterations": [
            {
                "step": it["step"],
                "x": tolist(it["x"]), "ybar": tolist(it["ybar"]),
                "y": tolist(it["y"]), "xbar": tolist(it["xbar"]),
                "gammabar": tolist(it["gammabar"]), "betabar": tolist(it["betabar"]),
                "running_phi": tolist(it["running_phi"]), "ema_gz": tolist(it["ema_gz"]),
            }
            for it in iterations
        ],
        "y_eval": tolist(y_eval),
    }
    out = os.path.normpath(OUT)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
