"""Float64 reference for flowc's adaptive Dormand-Prince 5(4) solve (std/solvers.flow `dopri5`,
runtime/adaptive.ts): writes test/fixtures/reference/dopri5.json.

    /usr/bin/python3 bench/reference/dopri5.py

The algorithm is transcribed here in NumPy from its definitions, not from flowc's code:

  step        Dormand & Prince 1980; the tableau of Hairer, Norsett & Wanner, "Solving ODEs I",
              2nd ed., Sec. II.5, Table 5.2: 5th-order solution, embedded 4th-order error estimate
              err = h sum (b_i - bhat_i) k_i, FSAL (k7 = f(x5, t + h)).
  error norm  RMS over every element of the batched state of err / (atol + rtol max(|x|, |x5|));
              accept when <= 1 (torchdiffeq's _compute_error_ratio with its _rms_norm).
  next step   h min(10, max(0.9 r^(-1/5), 1 if r < 1 else 0.2)); 10 h if r == 0
              (torchdiffeq's _optimal_step_size, order 5).
  first step  Hairer Sec. II.4 p. 169 (torchdiffeq's _select_initial_step with order 4).
  last step   shortened to end exactly when t + 1.01 h passes it (Hairer's DOPRI5 code).
  NFE         2 + 6 (accepted + rejected).

Two ODEs of a batched state x: [B, 2] (rows are samples), written as flowc's test models write them:
  linear     dx/dt = x @ A + t b, exact solution from the matrix exponential of the augmented
             system z = [x, t, 1] (dz/dt = z M).
  nonlinear  dx/dt = tanh(x @ W1 + t c) @ W2 (a small fixed "velocity network").
Each scenario records the accepted and rejected step counts, the NFE, the first step and the final
state; flowc must reproduce the counts exactly. scipy.integrate.solve_ivp(method="RK45") is run on
the same problems and recorded as a loose sanity note only: its controller differs (its first step
is capped differently and it uses a different step-factor rule), so its counts are not expected to
match.
"""

import json
import os

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import expm

C = np.array([0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1])
A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
B5 = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0])
B4 = np.array([5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40])
E = B5 - B4


def rms(v):
    return float(np.sqrt(np.mean(np.square(v))))


def dopri5_step(f, x, t, h, k1):
    k = [k1]
    for i in range(1, 6):
        xi = x + h * sum(a * kj for a, kj in zip(A[i], k))
        k.append(f(xi, t + C[i] * h))
    x5 = x + h * sum(b * kj for b, kj in zip(B5, k))
    k.append(f(x5, t + h))
    err = h * sum(e * kj for e, kj in zip(E, k))
    return x5, err, k[6]


def dopri5(f, x0, rtol, atol, start=0.0, end=1.0, max_steps=10000):
    direction = np.sign(end - start)
    q = 4
    f0 = f(x0, start)
    scale = atol + rtol * np.abs(x0)
    d0, d1 = rms(x0 / scale), rms(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    f1 = f(x0 + direction * h0 * f0, start + direction * h0)
    d2 = rms((f1 - f0) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3) if d1 <= 1e-15 and d2 <= 1e-15 else (0.01 / max(d1, d2)) ** (1 / (q + 1))
    first = min(100 * h0, h1)
    h, t, x, fx = first, start, x0, f0
    accepted = rejected = 0
    while True:
        assert accepted + rejected < max_steps
        last = direction * (t + direction * 1.01 * h - end) > 0
        if last:
            h = abs(end - t)
        x5, err, f5 = dopri5_step(f, x, t, direction * h, fx)
        ratio = rms(err / (atol + rtol * np.maximum(np.abs(x), np.abs(x5))))
        if ratio <= 1:
            accepted += 1
            x, fx = x5, f5
            t = end if last else t + direction * h
            if last:
                break
        else:
            rejected += 1
        factor = 10.0 if ratio == 0 else min(10.0, max(0.9 * ratio ** (-1 / (q + 1)), 1.0 if ratio < 1 else 0.2))
        h *= factor
    return {"x": x, "accepted": accepted, "rejected": rejected, "nfe": 2 + 6 * (accepted + rejected), "first_step": first}


def linear_field(a, b):
    return lambda x, t: x @ a + t * b


def linear_exact(a, b, x0, t):
    # z = [x, t, 1] (row vector): dx/dt = x a + t b, dt/dt = 1, d1/dt = 0  =>  dz/dt = z M.
    m = np.zeros((4, 4))
    m[:2, :2] = a
    m[2, :2] = b
    m[3, 2] = 1.0
    z0 = np.concatenate([x0, np.zeros((x0.shape[0], 1)), np.ones((x0.shape[0], 1))], axis=1)
    return (z0 @ expm(m * t))[:, :2]


def mlp_field(w1, c, w2):
    return lambda x, t: np.tanh(x @ w1 + t * c) @ w2


def scipy_note(f, x0, rtol, atol, start, end):
    shape = x0.shape
    r = solve_ivp(lambda t, y: f(y.reshape(shape), t).ravel(), (start, end), x0.ravel(), method="RK45", rtol=rtol, atol=atol)
    return {"nfev": int(r.nfev), "x": r.y[:, -1].reshape(shape).tolist()}


def main():
    rng = np.random.default_rng(20261129)
    lin_a = np.array([[-0.5, -1.0], [1.0, -0.5]])
    lin_b = np.array([1.0, 0.5])
    w1 = rng.normal(size=(2, 8)) * 1.5
    c = rng.normal(size=(8,))
    w2 = rng.normal(size=(8, 2)) * 1.5
    x0 = rng.normal(size=(4, 2))

    problems = {
        "linear": {"params": {"a": lin_a, "b": lin_b}, "field": linear_field(lin_a, lin_b)},
        "nonlinear": {"params": {"w1": w1, "c": c, "w2": w2}, "field": mlp_field(w1, c, w2)},
    }
    scenarios = []
    for tol in [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]:
        scenarios.append(("linear", tol, tol, 0.0, 1.0))
    for tol in [1e-3, 1e-5, 1e-7]:
        scenarios.append(("nonlinear", tol, tol, 0.0, 1.0))
    scenarios.append(("nonlinear", 1e-5, 1e-5, 1.0, 0.0))
    scenarios.append(("nonlinear", 1e-4, 1e-6, 0.0, 2.0))

    out = []
    for name, rtol, atol, start, end in scenarios:
        f = problems[name]["field"]
        r = dopri5(f, x0, rtol, atol, start, end)
        entry = {
            "problem": name,
            "rtol": rtol,
            "atol": atol,
            "start": start,
            "end": end,
            "accepted": r["accepted"],
            "rejected": r["rejected"],
            "nfe": r["nfe"],
            "first_step": r["first_step"],
            "x": r["x"].tolist(),
            "scipy_rk45": scipy_note(f, x0, rtol, atol, start, end),
        }
        if name == "linear":
            exact = linear_exact(lin_a, lin_b, x0, end - start) if start == 0.0 else None
            entry["exact"] = exact.tolist()
            entry["error"] = float(np.max(np.abs(r["x"] - exact)))
        print(f"{name:9s} rtol={rtol:g} atol={atol:g} [{start}, {end}]: accepted {r['accepted']}, rejected {r['rejected']}, "
              f"NFE {r['nfe']} (scipy RK45 nfev {entry['scipy_rk45']['nfev']})" + (f", max error {entry['error']:.3e}" if "error" in entry else ""))
        out.append(entry)

    fixture = {
        "generator": "bench/reference/dopri5.py",
        "x0": x0.tolist(),
        "params": {name: {k: v.tolist() for k, v in p["params"].items()} for name, p in problems.items()},
        "scenarios": out,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "reference", "dopri5.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
