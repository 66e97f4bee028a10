"""Float64 reference fixture for the Transformer block's three LayerNorm placements (Post-LN,
Pre-LN, Peri-LN; Kim et al. 2025, "Peri-LN: Revisiting Normalization Layer in the Transformer
Architecture"): writes test/fixtures/reference/peri_ln.json.

    /usr/bin/python3 bench/reference/peri_ln.py                 # NumPy, checked against torch
    /usr/bin/python3 bench/reference/peri_ln.py --no-torch      # NumPy only (no cross-check)

The block is std/nn.flow's TransformerBlock(d, heads, causal: true, norm: ...), with F_attn the
multi-head attention and F_mlp the MLP of std/nn.flow:

  Post-LN  (Vaswani et al. 2017; torch.nn.TransformerEncoderLayer(norm_first=False))
           h = LN1(x + F_attn(x));              y = LN2(h + F_mlp(h))
  Pre-LN   (Xiong et al. 2020; torch.nn.TransformerEncoderLayer(norm_first=True))
           h = x + F_attn(LN1(x));              y = h + F_mlp(LN2(h))
  Peri-LN  (Kim et al. 2025, eq. "y_l = x_l + Norm(Module(Norm(x_l)))"; the layout of
           huggingface/transformers src/transformers/models/gemma2/modeling_gemma2.py,
           Gemma2DecoderLayer.forward: input_layernorm -> self_attn -> post_attention_layernorm ->
           residual add; pre_feedforward_layernorm -> mlp -> post_feedforward_layernorm -> add)
           h = x + LNa(F_attn(LN1(x)));         y = h + LNm(F_mlp(LN2(h)))

LN is LayerNorm over the last axis with the population variance, eps = 1e-5, affine (gamma, beta):
torch.nn.LayerNorm. (Gemma 2 uses RMSNorm with weight (1 + w); the paper says LN may be LayerNorm or
RMSNorm. flowc's block uses LayerNorm for all three placements, so the Peri-LN transcription keeps
Gemma 2's placement and uses LayerNorm.) The paper's Peri-LN also normalizes the embedding output
(optional) and the last hidden state before the head: those are model-level, outside the block.

F_attn(x): q, k, v, out = x W + b (W stored [d_in, d_out] as flowc's Linear), heads split as
[B, T, d] -> [B, heads, T, d/heads], scores = q k^T / sqrt(d/heads), causal mask (key j visible to
query i iff j <= i; flowc writes where(mask, scores, -1e9)), softmax over keys, then the heads
merged back and the out projection. torch.nn.MultiheadAttention computes the same.
F_mlp(x) = gelu(x W1 + b1) W2 + b2 with the exact (erf) GELU, d -> 4d -> d.

The NumPy transcription below computes the forward pass and, by hand-written vector-Jacobian
products, the gradients of sum(y * ybar) with respect to the input x and every parameter. It is
checked (default) against torch autograd in float64: torch.nn.TransformerEncoderLayer for Post-LN
and Pre-LN, and for Peri-LN the same layer's members run in Gemma2DecoderLayer's order with two
extra torch.nn.LayerNorm. The JSON is only written if every number agrees within --tol.
"""
import argparse
import json
import os

import numpy as np
from scipy.special import erf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "test", "fixtures", "reference", "peri_ln.json")

# Setting of the fixture (layers.md §5 "bit-level" check: d = 8, 2 heads, seq 3).
B, T, D, HEADS, MLP_RATIO = 2, 3, 8, 2, 4
EPS = 1e-5
CAUSAL = True
SEED = 20250204
NORMS = ("pre", "post", "peri")


# ---------------------------------------------------------------- transcription (forward + VJP)
# Each op returns (value, backward); backward(cotangent) returns the input's cotangent and adds
# the parameters' gradients into `grads` (a dict keyed by flowc parameter names).

def layer_norm(x, p, name, grads):
    g, b = p[name + ".gamma"], p[name + ".beta"]
    mu = x.mean(-1, keepdims=True)
    c = x - mu
    var = (c * c).mean(-1, keepdims=True)
    r = 1.0 / np.sqrt(var + EPS)
    xhat = c * r

    def back(ybar):
        grads[name + ".gamma"] += (ybar * xhat).reshape(-1, x.shape[-1]).sum(0)
        grads[name + ".beta"] += ybar.reshape(-1, x.shape[-1]).sum(0)
        dxhat = ybar * g
        return r * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))

    return xhat * g + b, back


def linear(x, p, name, grads):
    w, b = p[name + ".w"], p[name + ".b"]

    def back(ybar):
        grads[name + ".w"] += x.reshape(-1, w.shape[0]).T @ ybar.reshape(-1, w.shape[1])
        grads[name + ".b"] += ybar.reshape(-1, w.shape[1]).sum(0)
        return ybar @ w.T

    return x @ w + b, back


def gelu(x):
    y = 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))

    def back(ybar):
        cdf = 0.5 * (1.0 + erf(x / np.sqrt(2.0)))
        pdf = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
        return ybar * (cdf + x * pdf)

    return y, back


def attention(x, p, name, grads):
    b_, t_, d_ = x.shape
    hd = d_ // HEADS
    q, bq = linear(x, p, name + ".q", grads)
    k, bk = linear(x, p, name + ".k", grads)
    v, bv = linear(x, p, name + ".v", grads)
    split = lambda y: y.reshape(b_, t_, HEADS, hd).transpose(0, 2, 1, 3)
    merge = lambda y: y.transpose(0, 2, 1, 3).reshape(b_, t_, d_)
    qs, ks, vs = split(q), split(k), split(v)
    scale = 1.0 / np.sqrt(float(hd))
    scores = qs @ ks.transpose(0, 1, 3, 2) * scale
    mask = np.tril(np.ones((t_, t_), dtype=bool)) if CAUSAL else np.ones((t_, t_), dtype=bool)
    masked = np.where(mask, scores, -1e9)
    e = np.exp(masked - masked.max(-1, keepdims=True))
    probs = e / e.sum(-1, keepdims=True)
    attended = probs @ vs
    out, bout = linear(merge(attended), p, name + ".out", grads)

    def back(ybar):
        d_att = split(bout(ybar))
        d_probs = d_att @ vs.transpose(0, 1, 3, 2)
        d_vs = probs.transpose(0, 1, 3, 2) @ d_att
        d_masked = probs * (d_probs - (d_probs * probs).sum(-1, keepdims=True))
        d_scores = np.where(mask, d_masked, 0.0) * scale
        d_qs = d_scores @ ks
        d_ks = d_scores.transpose(0, 1, 3, 2) @ qs
        return bq(merge(d_qs)) + bk(merge(d_ks)) + bv(merge(d_vs))

    return out, back


def mlp(x, p, name, grads):
    h, b1 = linear(x, p, name + ".layers.0", grads)
    a, bg = gelu(h)
    y, b2 = linear(a, p, name + ".head", grads)
    return y, lambda ybar: b1(bg(b2(ybar)))


def block(x, p, norm, grads):
    """TransformerBlock forward; returns (y, backward)."""
    if norm == "pre":
        a, b_n1 = layer_norm(x, p, "norm1", grads)
        f, b_at = attention(a, p, "attn", grads)
        h = x + f
        m, b_n2 = layer_norm(h, p, "norm2", grads)
        g, b_ml = mlp(m, p, "mlp", grads)
        y = h + g

        def back(ybar):
            dh = ybar + b_n2(b_ml(ybar))
            return dh + b_n1(b_at(dh))
    elif norm == "peri":
        a, b_n1 = layer_norm(x, p, "norm1", grads)
        f, b_at = attention(a, p, "attn", grads)
        fo, b_ao = layer_norm(f, p, "attn_out", grads)
        h = x + fo
        m, b_n2 = layer_norm(h, p, "norm2", grads)
        g, b_ml = mlp(m, p, "mlp", grads)
        go, b_mo = layer_norm(g, p, "mlp_out", grads)
        y = h + go

        def back(ybar):
            dh = ybar + b_n2(b_ml(b_mo(ybar)))
            return dh + b_n1(b_at(b_ao(dh)))
    elif norm == "post":
        f, b_at = attention(x, p, "attn", grads)
        h, b_n1 = layer_norm(x + f, p, "norm1", grads)
        g, b_ml = mlp(h, p, "mlp", grads)
        y, b_n2 = layer_norm(h + g, p, "norm2", grads)

        def back(ybar):
            ds = b_n2(ybar)
            dh = ds + b_ml(ds)
            dr = b_n1(dh)
            return dr + b_at(dr)
    else:
        raise ValueError(norm)
    return y, back


def param_names(norm):
    names = ["norm1.gamma", "norm1.beta"]
    for lin in ("q", "k", "v", "out"):
        names += [f"attn.{lin}.w", f"attn.{lin}.b"]
    names += ["norm2.gamma", "norm2.beta", "mlp.layers.0.w", "mlp.layers.0.b", "mlp.head.w", "mlp.head.b"]
    if norm == "peri":
        names += ["attn_out.gamma", "attn_out.beta", "mlp_out.gamma", "mlp_out.beta"]
    return names


def run_numpy(x, ybar, params, norm):
    grads = {n: np.zeros_like(params[n]) for n in param_names(norm)}
    y, back = block(x, params, norm, grads)
    xbar = back(ybar)
    return y, xbar, grads


# ---------------------------------------------------------------- inputs

def make_inputs():
    rng = np.random.default_rng(SEED)
    p = {}
    for ln in ("norm1", "norm2", "attn_out", "mlp_out"):
        p[ln + ".gamma"] = rng.uniform(0.5, 1.5, size=D)
        p[ln + ".beta"] = rng.normal(0.0, 0.3, size=D)
    for name, (din, dout) in {"attn.q": (D, D), "attn.k": (D, D), "attn.v": (D, D), "attn.out": (D, D),
                              "mlp.layers.0": (D, MLP_RATIO * D), "mlp.head": (MLP_RATIO * D, D)}.items():
        p[name + ".w"] = rng.normal(0.0, 1.0 / np.sqrt(din), size=(din, dout))
        p[name + ".b"] = rng.normal(0.0, 0.1, size=dout)
    # Uneven feature scales and offsets, so that each LayerNorm's centring and scaling matter.
    x = rng.normal(0.0, 1.0, size=(B, T, D)) * rng.uniform(0.5, 2.0, size=D) + rng.normal(0.0, 0.5, size=D)
    ybar = rng.normal(0.0, 1.0, size=(B, T, D))
    return x, ybar, p


# ---------------------------------------------------------------- torch cross-check

def run_torch(x, ybar, params, norm):
    """The same block in torch float64 autograd: TransformerEncoderLayer (Post-/Pre-LN) or its
    members in Gemma2DecoderLayer's Peri-LN order."""
    import torch
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
    layer = torch.nn.TransformerEncoderLayer(
        D, HEADS, dim_feedforward=MLP_RATIO * D, dropout=0.0, activation="gelu", layer_norm_eps=EPS,
        batch_first=True, norm_first=(norm != "post")).double()
    attn_out = torch.nn.LayerNorm(D, eps=EPS).double()   # Gemma2: post_attention_layernorm
    mlp_out = torch.nn.LayerNorm(D, eps=EPS).double()    # Gemma2: post_feedforward_layernorm
    with torch.no_grad():
        sa = layer.self_attn
        sa.in_proj_weight.copy_(t(np.concatenate([params[f"attn.{n}.w"].T for n in "qkv"], 0)))
        sa.in_proj_bias.copy_(t(np.concatenate([params[f"attn.{n}.b"] for n in "qkv"], 0)))
        sa.out_proj.weight.copy_(t(params["attn.out.w"].T))
        sa.out_proj.bias.copy_(t(params["attn.out.b"]))
        layer.linear1.weight.copy_(t(params["mlp.layers.0.w"].T))
        layer.linear1.bias.copy_(t(params["mlp.layers.0.b"]))
        layer.linear2.weight.copy_(t(params["mlp.head.w"].T))
        layer.linear2.bias.copy_(t(params["mlp.head.b"]))
        for mod, name in ((layer.norm1, "norm1"), (layer.norm2, "norm2"), (attn_out, "attn_out"), (mlp_out, "mlp_out")):
            mod.weight.copy_(t(params[name + ".gamma"]))
            mod.bias.copy_(t(params[name + ".beta"]))
    layer.train()
    # Boolean attn_mask: True = may NOT attend (key j > query i).
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1) if CAUSAL else None
    xt = t(x.copy()).requires_grad_(True)
    if norm == "peri":
        def sa_block(h):
            return layer.self_attn(h, h, h, attn_mask=mask, need_weights=False)[0]

        def ff_block(h):
            return layer.linear2(layer.activation(layer.linear1(h)))

        # Gemma2DecoderLayer.forward, with LayerNorm for Gemma2RMSNorm.
        residual = xt
        h = layer.norm1(xt)                      # input_layernorm
        h = sa_block(h)                          # self_attn
        h = attn_out(h)                          # post_attention_layernorm
        h = residual + h
        residual = h
        h = layer.norm2(h)                       # pre_feedforward_layernorm
        h = ff_block(h)                          # mlp
        h = mlp_out(h)                           # post_feedforward_layernorm
        y = residual + h
    else:
        y = layer(xt, src_mask=mask)
    y.backward(t(ybar))
    g = {
        "norm1.gamma": layer.norm1.weight.grad, "norm1.beta": layer.norm1.bias.grad,
        "norm2.gamma": layer.norm2.weight.grad, "norm2.beta": layer.norm2.bias.grad,
        "attn.out.w": sa.out_proj.weight.grad.T, "attn.out.b": sa.out_proj.bias.grad,
        "mlp.layers.0.w": layer.linear1.weight.grad.T, "mlp.layers.0.b": layer.linear1.bias.grad,
        "mlp.head.w": layer.linear2.weight.grad.T, "mlp.head.b": layer.linear2.bias.grad,
        "attn_out.gamma": attn_out.weight.grad, "attn_out.beta": attn_out.bias.grad,
        "mlp_out.gamma": mlp_out.weight.grad, "mlp_out.beta": mlp_out.bias.grad,
    }
    for i, n in enumerate("qkv"):
        g[f"attn.{n}.w"] = sa.in_proj_weight.grad[i * D:(i + 1) * D].T
        g[f"attn.{n}.b"] = sa.in_proj_bias.grad[i * D:(i + 1) * D]
    grads = {n: g[n].detach().numpy().copy() for n in param_names(norm)}
    return y.detach().numpy().copy(), xt.grad.numpy().copy(), grads


def tolist(a):
    return np.asarray(a, dtype=np.float64).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-torch", action="store_true", help="skip the cross-check against torch autograd")
    ap.add_argument("--tol", type=float, default=1e-12, help="largest |numpy - torch| accepted")
    args = ap.parse_args()

    x, ybar, params = make_inputs()
    variants = {}
    checked = {}
    for norm in NORMS:
        y, xbar, grads = run_numpy(x, ybar, params, norm)
        if not args.no_torch:
            ty, txbar, tgrads = run_torch(x, ybar, params, norm)
            worst = max([float(np.max(np.abs(y - ty))), float(np.max(np.abs(xbar - txbar)))] +
                        [float(np.max(np.abs(grads[n] - tgrads[n]))) for n in grads])
            print(f"{norm:5s} max|numpy - torch| over y, x̄ and every parameter gradient = {worst:.3e}")
            if worst > args.tol:
                raise SystemExit(f"{norm}: mismatch with torch: {worst} > {args.tol}")
            checked[norm] = worst
        variants[norm] = {"y": tolist(y), "xbar": tolist(xbar), "param_grads": {n: tolist(grads[n]) for n in grads}}

    fixture = {
        "source": ("NumPy float64 transcription of the Post-LN, Pre-LN and Peri-LN Transformer block "
                   "(Kim et al. 2025 eq. y = x + Norm(Module(Norm(x))); Peri-LN layout of "
                   "huggingface/transformers models/gemma2/modeling_gemma2.py Gemma2DecoderLayer, with "
                   "LayerNorm), with hand-written VJPs; generated by bench/reference/peri_ln.py"),
        "torch_check": ({"max_abs_diff": checked, "against": "torch.nn.TransformerEncoderLayer (norm_first) "
                         "float64 autograd; Peri-LN: its members in Gemma2DecoderLayer order + 2 LayerNorm"}
                        if checked else None),
        "notes": [
            "All arrays are nested lists in row-major order. x, ybar, y, xbar: [B, T, d]. Parameters are keyed "
            "by their flowc path inside TransformerBlock (norm1.gamma, attn.q.w, mlp.layers.0.w, ...); Linear "
            "weights are [d_in, d_out] (y = x w + b).",
            "Loss = sum(y * ybar): xbar and param_grads are its gradients w.r.t. x and each parameter.",
            "attn_out.* and mlp_out.* (the Peri-LN output norms) are used by the peri variant only; the "
            "other variants ignore them.",
            "pre: h = x + attn(norm1(x)); y = h + mlp(norm2(h)).  post: h = norm1(x + attn(x)); "
            "y = norm2(h + mlp(h)).  peri: h = x + attn_out(attn(norm1(x))); y = h + mlp_out(mlp(norm2(h))).",
            "Causal attention: query i sees keys j <= i. GELU is the exact erf form. LayerNorm eps = 1e-5.",
            "The exact gradient of attn.k.b is 0 (a key bias adds q . b_k to every score of a query, which the "
            "softmax cancels): its recorded values are round-off, about 1e-16.",
        ],
        "config": {"B": B, "T": T, "d": D, "heads": HEADS, "mlp_ratio": MLP_RATIO, "eps": EPS,
                   "causal": CAUSAL, "act": "gelu", "seed": SEED},
        "x": tolist(x),
        "ybar": tolist(ybar),
        "params": {n: tolist(v) for n, v in params.items()},
        "variants": variants,
    }
    out = os.path.normpath(OUT)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
