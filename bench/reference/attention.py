"""Float64 reference fixture for the attention variants of std/attention.flow: writes
test/fixtures/reference/attention.json.

    /usr/bin/python3 bench/reference/attention.py
    /usr/bin/python3 bench/reference/attention.py \\
        --flowformer path/to/thuml/Flowformer/Flow_Attention.py \\
        --arflow path/to/TheFllood/ARFlow            # the repository's root directory

The algorithms are NumPy transcriptions of the reference implementations
  Flow-Attention (Wu et al., ICML 2022): repository thuml/Flowformer, file Flow_Attention.py,
    classes Flow_Attention (normal) and Flow_Attention_Causal (causal), constructed as
    Flow_Attention(d, d, d, heads, drop_out=0.0) (d_input = d_model = d_output = d, no dropout),
    called as attn(x, x, x);
  ARFlow's hybrid attention (Hui et al., arXiv 2501.16085): repository TheFllood/ARFlow, file
    linearattention/gated_retnet_train.py, class GateRetention (dim=d, n_self_heads=heads,
    norm_eps=1e-6, chunk_size=chunk), called as attn(x, c) as ARFlowBlock does, with the kernels of
    linearattention/kernel/gate_recurrent_train.py (chunk_gate_retention, cross_chunk,
    inner_chunk, ChunkGateRecurrent / naive_kv_recurrent), linearattention/rms_norm.py (RMSNorm)
    and linearattention/kernel/swiglu.py (swiglu).
Generating the fixture needs only NumPy: the outputs are the transcriptions' forward passes, and
the gradients of L = sum(y * ybar) (w.r.t. the input x, the conditioning c and every weight) are
fourth-order central finite differences of the float64 transcription (step 1e-3). With
--flowformer / --arflow the script also runs the original classes with PyTorch in float64
(ARFlow's Triton and CUDA-only pieces replaced by the pure-PyTorch code the same files give for
them, see load_arflow) and compares outputs (|numpy - torch| <= 1e-12; measured 3.3e-16) and
gradients (finite differences against torch autograd with the test's criterion,
|a - b| / max(|b|, 1e-3 max|b|) <= 1e-6; measured 2.2e-8, 450 times below the test's 1e-5); it
also checks that the backward of the Triton kernel
ChunkGateRecurrent, transcribed loop by loop, equals the autograd gradient of its forward
recurrence. The JSON is only written if every check passes.

Semantics (per batch element and head) are written out in std/attention.flow; the points that
matter for a transcription:
  Flow-Attention  phi = sigmoid on Q and K only; eps = 1e-6 is added to Q, K and to each sum; the
                  conserved source flow is clamped to [-1, 1] before the softmax (normal) or the
                  exp / cumsum ratio (causal); the normal form's allocation multiplies by L/S = 1;
                  the causal form divides by normal = arange(L) + 1 as the code does.
  GateRetention   RMSNorm(head_dim) without weight normalizes q, k, v over ALL d channels (it is
                  applied to [B, T, d]), subln over head_dim (applied to [B, heads, T, head_dim]);
                  k is scaled by head_dim^-0.5 for both the inner softmax and the cross term; the
                  gate is logsigmoid((x + c) W_gt) / 16; the decay between chunks is exp(mean of
                  the gates of a chunk); no projection has a bias.
"""
import argparse
import importlib.util
import json
import os
import sys
import types

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "test", "fixtures", "reference", "attention.json")

SEED = 20220718
FLOW = {"B": 2, "T": 7, "d": 12, "heads": 3, "eps": 1e-6}
HYBRID = {"B": 2, "T": 9, "d": 8, "heads": 2, "chunk": 3, "eps": 1e-6, "gate_normalizer": 16.0}
FD_STEP = 1e-3


# ---------------------------------------------------------------- Flow-Attention transcription

def linear(x, p):
    """nn.Linear with the weight stored as flowc does: y = x @ w + b, w: [d_in, d_out]."""
    y = x @ p["w"]
    return y + p["b"] if "b" in p else y


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def flow_project(x, P, heads):
    B, L, _ = x.shape
    S = L
    queries = linear(x, P["q"]).reshape(B, L, heads, -1).transpose(0, 2, 1, 3)
    keys = linear(x, P["k"]).reshape(B, S, heads, -1).transpose(0, 2, 1, 3)
    values = linear(x, P["v"]).reshape(B, S, heads, -1).transpose(0, 2, 1, 3)
    return sigmoid(queries), sigmoid(keys), values  # kernel_method on queries and keys


def flow_attention(x, P, heads, eps):
    """Flow_Attention.forward(x, x, x), drop_out = 0. Returns y and the flows."""
    B, L, _ = x.shape
    queries, keys, values = flow_project(x, P, heads)
    # (1) incoming and outgoing flow
    sink_incoming = 1.0 / np.einsum("nhld,nhd->nhl", queries + eps, keys.sum(axis=2) + eps)
    source_outgoing = 1.0 / np.einsum("nhld,nhd->nhl", keys + eps, queries.sum(axis=2) + eps)
    # (2) conservation refine
    conserved_sink = np.einsum("nhld,nhd->nhl", queries + eps,
                               (keys * source_outgoing[:, :, :, None]).sum(axis=2) + eps)
    conserved_source = np.einsum("nhld,nhd->nhl", keys + eps,
                                 (queries * sink_incoming[:, :, :, None]).sum(axis=2) + eps)
    flows = {"sink_incoming": sink_incoming, "source_outgoing": source_outgoing,
             "conserved_sink": conserved_sink, "conserved_source": conserved_source}
    conserved_source = np.clip(conserved_source, -1.0, 1.0)
    # (3) competition and allocation
    sink_allocation = sigmoid(conserved_sink * (float(queries.shape[2]) / float(keys.shape[2])))
    e = np.exp(conserved_source - conserved_source.max(axis=-1, keepdims=True))
    source_competition = e / e.sum(axis=-1, keepdims=True) * float(keys.shape[2])
    # (4) dot product: kv = einsum(k, v), qkv = einsum(q, kv)
    q = queries * sink_incoming[:, :, :, None]
    v = values * source_competition[:, :, :, None]
    kv = np.einsum("nhld,nhlm->nhdm", keys, v)
    qkv = np.einsum("nhld,nhdm->nhlm", q, kv)
    out = (qkv * sink_allocation[:, :, :, None]).transpose(0, 2, 1, 3).reshape(B, L, -1)
    return linear(out, P["out"]), flows


def flow_attention_causal(x, P, heads, eps):
    """Flow_Attention_Causal.forward(x, x, x), drop_out = 0. Returns y and the flows."""
    B, L, _ = x.shape
    queries, keys, values = flow_project(x, P, heads)
    sink_incoming = 1.0 / np.einsum("nhld,nhld->nhl", queries + eps, keys.cumsum(axis=2) + eps)
    source_outgoing = 1.0 / np.einsum("nhld,nhld->nhl", keys + eps, queries.cumsum(axis=2) + eps)
    normal = (np.arange(queries.shape[2]) + 1.0)[None, None, :]
    sink_incoming = sink_incoming * normal
    source_outgoing = source_outgoing * normal
    conserved_sink = np.einsum("nhld,nhld->nhl", queries + eps,
                               (keys * source_outgoing[:, :, :, None]).cumsum(axis=2) + eps) / normal
    conserved_source = np.einsum("nhld,nhld->nhl", keys + eps,
                                 (queries * sink_incoming[:, :, :, None]).cumsum(axis=2) + eps) / normal
    flows = {"sink_incoming": sink_incoming, "source_outgoing": source_outgoing,
             "conserved_sink": conserved_sink, "conserved_source": conserved_source}
    conserved_source = np.clip(conserved_source, -1.0, 1.0)
    sink_allocation = sigmoid(conserved_sink)
    conserved_source = np.exp(conserved_source)
    source_competition = (conserved_source / conserved_source.cumsum(axis=-1)) * normal
    # causal_dot_product: kv = cumsum(einsum("nhld,nhlm->nhldm")), qkv = einsum("nhld,nhldm->nhlm")
    q = queries * (sink_incoming[:, :, :, None] / normal[:, :, :, None])
    v = values * source_competition[:, :, :, None]
    kv = np.einsum("nhld,nhlm->nhldm", keys, v).cumsum(axis=2)
    qkv = np.einsum("nhld,nhldm->nhlm", q, kv)
    out = (qkv * sink_allocation[:, :, :, None]).transpose(0, 2, 1, 3).reshape(B, L, -1)
    return linear(out, P["out"]), flows


# ---------------------------------------------------------------- ARFlow transcription

def rms_norm(x, eps):
    """RMSNorm._norm: x * rsqrt(mean(x^2, -1) + eps), no weight."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def naive_kv_recurrent(kv, cross_decay):
    """naive_kv_recurrent (the forward of ChunkGateRecurrent) without a last_kv."""
    bsz, heads, n, dk, dv = kv.shape
    state = np.zeros((bsz, heads, dk, dv))
    out = []
    for i in range(n):
        out.append(state)
        state = state * cross_decay[:, :, i, None, None] + kv[:, :, i]
    return np.stack(out, axis=2)


def chunk_gate_retention(q, k, v, g, chunk_size):
    bsz, num_head, tgt_len, key_dim = q.shape
    head_dim = v.shape[-1]
    num_chunk = tgt_len // chunk_size
    assert num_chunk * chunk_size == tgt_len
    q = q.reshape(bsz, num_head, num_chunk, chunk_size, key_dim)
    k = k.reshape(bsz, num_head, num_chunk, chunk_size, key_dim) * (key_dim ** -0.5)
    v = v.reshape(bsz, num_head, num_chunk, chunk_size, head_dim)
    g = g.reshape(bsz, num_head, num_chunk, chunk_size)
    # cross_chunk
    kv = np.swapaxes(k, -1, -2) @ v
    cross_decay = np.exp(g.mean(axis=-1))
    S = naive_kv_recurrent(kv, cross_decay)
    g_cumsum = g.cumsum(axis=-1)
    cross = (q * np.exp(g_cumsum)[..., None]) @ S
    # inner_chunk
    attn = q @ np.swapaxes(k, -1, -2)
    attn = np.exp(attn - attn.max(axis=-1, keepdims=True))
    attn = attn / attn.sum(axis=-1, keepdims=True)
    inner = attn @ v
    return (cross + inner).reshape(bsz, num_head, tgt_len, head_dim)


def gate_retention(x, c, P, heads, chunk, eps, gate_normalizer):
    """GateRetention.forward(x, c) of gated_retnet_train.py."""
    bsz, tgt_len, dim = x.shape
    head_dim = dim // heads
    q = rms_norm(linear(x, P["q"]), eps)
    k = rms_norm(linear(x, P["k"]), eps)
    v = rms_norm(linear(x, P["v"]), eps)
    g = linear(x, P["g"])
    gt = linear(x + c, P["gt"])
    qr = q.reshape(bsz, tgt_len, heads, head_dim).transpose(0, 2, 1, 3)
    kr = k.reshape(bsz, tgt_len, heads, head_dim).transpose(0, 2, 1, 3)
    v = v.reshape(bsz, tgt_len, heads, head_dim).transpose(0, 2, 1, 3)
    gt = gt.reshape(bsz, tgt_len, heads).transpose(0, 2, 1)
    gt = log_sigmoid(gt) / gate_normalizer
    o = chunk_gate_retention(qr, kr, v, gt, chunk)
    o = rms_norm(o, eps).transpose(0, 2, 1, 3).reshape(bsz, tgt_len, heads * head_dim)
    o = g * o / (1.0 + np.exp(-g))  # swiglu_fwd: x * y / (1 + exp(-x))
    return linear(o, P["out"])


# ---------------------------------------------------------------- gradients

def finite_difference(f, arrays, ybar):
    """Derivatives of L = sum(f() * ybar) w.r.t. every element of every array (perturbed in place),
    by the fourth-order central difference (-L(+2h) + 8 L(+h) - 8 L(-h) + L(-2h)) / 12h."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            loss = []
            for s in (2, 1, -1, -2):
                flat[i] = old + s * FD_STEP
                loss.append(np.sum(f() * ybar))
            flat[i] = old
            gflat[i] = (-loss[0] + 8 * loss[1] - 8 * loss[2] + loss[3]) / (12 * FD_STEP)
        grads.append(g)
    return grads


# ---------------------------------------------------------------- inputs

def torch_linear_init(rng, d_in, d_out, bias=True):
    """torch.nn.Linear's default initialization: U(-1/sqrt(d_in), 1/sqrt(d_in)) for w and b."""
    bound = 1.0 / np.sqrt(d_in)
    p = {"w": rng.uniform(-bound, bound, size=(d_in, d_out))}
    if bias:
        p["b"] = rng.uniform(-bound, bound, size=d_out)
    return p


def make_inputs():
    rng = np.random.default_rng(SEED)
    B, T, d = FLOW["B"], FLOW["T"], FLOW["d"]
    flow = {
        "params": {name: torch_linear_init(rng, d, d) for name in ("q", "k", "v", "out")},
        # x ~ U[0, 1] as in the layers notes' fixture recipe.
        "x": rng.uniform(0.0, 1.0, size=(B, T, d)),
        "ybar": rng.normal(0.0, 1.0, size=(B, T, d)),
    }
    B, T, d, h = HYBRID["B"], HYBRID["T"], HYBRID["d"], HYBRID["heads"]
    params = {name: torch_linear_init(rng, d, d, bias=False) for name in ("q", "k", "v", "g", "out")}
    params["gt"] = torch_linear_init(rng, d, h, bias=False)
    hybrid = {
        "params": params,
        "x": rng.normal(0.0, 1.0, size=(B, T, d)),
        # ARFlow's conditioning is per image (the class + time embedding repeated over its tokens).
        "c": np.repeat(rng.normal(0.0, 1.0, size=(B, T // HYBRID["chunk"], 1, d)), HYBRID["chunk"],
                       axis=2).reshape(B, T, d),
        "ybar": rng.normal(0.0, 1.0, size=(B, T, d)),
    }
    return flow, hybrid


def param_arrays(P):
    return [P[m][k] for m in sorted(P) for k in ("w", "b") if k in P[m]]


def param_names(P):
    return [f"{m}.{k}" for m in sorted(P) for k in ("w", "b") if k in P[m]]


def run_numpy(flow, hybrid):
    results = {}
    cf = FLOW
    for name, fn in (("normal", flow_attention), ("causal", flow_attention_causal)):
        f = lambda: fn(flow["x"], flow["params"], cf["heads"], cf["eps"])[0]
        y, flows = fn(flow["x"], flow["params"], cf["heads"], cf["eps"])
        # The clamp at +-1 is a kink: finite differences are valid only away from it. In the causal
        # form the first position's conserved source flow is 1 up to O(eps) for any input
        # ((K_0 + eps).(Q_0 / ((Q_0 + eps).(K_0 + eps)) + eps)), so it sits on the kink, but its
        # derivative is O(eps) on both sides: the margin is taken over the other positions.
        cs = flows["conserved_source"][:, :, 1:] if name == "causal" else flows["conserved_source"]
        margin = float(np.min(np.abs(np.abs(cs) - 1.0)))
        assert margin > 1e-3, f"{name}: a conserved source flow is within {margin} of the clamp"
        grads = finite_difference(f, [flow["x"]] + param_arrays(flow["params"]), flow["ybar"])
        results[name] = {"y": y, "flows": flows, "xbar": grads[0],
                         "grads": dict(zip(param_names(flow["params"]), grads[1:])),
                         "clamp_margin": margin,
                         "clamped_fraction": float(np.mean(np.abs(flows["conserved_source"]) > 1.0))}
    ch = HYBRID
    for name, c in (("plain", np.zeros_like(hybrid["c"])), ("conditioned", hybrid["c"])):
        c = c.copy()
        f = lambda: gate_retention(hybrid["x"], c, hybrid["params"], ch["heads"], ch["chunk"],
                                   ch["eps"], ch["gate_normalizer"])
        y = f()
        grads = finite_difference(f, [hybrid["x"], c] + param_arrays(hybrid["params"]), hybrid["ybar"])
        results[name] = {"y": y, "xbar": grads[0], "cbar": grads[1],
                         "grads": dict(zip(param_names(hybrid["params"]), grads[2:]))}
    return results


# ---------------------------------------------------------------- checks against the originals

def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def load_arflow(root):
    """Imports GateRetention from the ARFlow checkout on a CPU without Triton or CUDA:
    - triton / triton.language are stubs (the @triton.jit kernels are never launched);
    - torch.compile (absent in torch 1.13) is the identity (inner_chunk is plain PyTorch);
    - (in check_arflow) Tensor.float() is the identity while the module runs, so that the
      code's casts to float32 keep float64;
    - linearattention.kernel.swiglu is replaced by its forward formula, the code string
      swiglu_fwd_codestring: x * y / (1 + exp(-x)) (its backward code string is that formula's
      exact derivative, so autograd gives the same gradient);
    - chunk_gate_recurrent (ChunkGateRecurrent.apply, a Triton kernel) is replaced by the file's
      own naive_kv_recurrent, given a zero last_kv so that it does not allocate on "cuda"
      (check_kernel_backward checks the kernel's loops against it)."""
    import torch
    triton = types.ModuleType("triton")
    triton.jit = lambda f: f
    tl = types.ModuleType("triton.language")
    tl.constexpr = object
    tl.tensor = object
    triton.language = tl
    sys.modules["triton"] = triton
    sys.modules["triton.language"] = tl
    if not hasattr(torch, "compile"):
        torch.compile = lambda f: f
    for pkg in ("linearattention", "linearattention.kernel"):
        sys.modules[pkg] = types.ModuleType(pkg)
    sw = types.ModuleType("linearattention.kernel.swiglu")
    sw.swiglu = lambda x, y: x * y / (1.0 + torch.exp(-x))
    sys.modules["linearattention.kernel.swiglu"] = sw
    load_module("linearattention.rms_norm", os.path.join(root, "linearattention", "rms_norm.py"))
    kernel = load_module("linearattention.kernel.gate_recurrent_train",
                         os.path.join(root, "linearattention", "kernel", "gate_recurrent_train.py"))
    naive = kernel.naive_kv_recurrent
    kernel.chunk_gate_recurrent = lambda kv, decay, last=None: naive(
        kv, decay, torch.zeros(kv.shape[0], kv.shape[1], kv.shape[3], kv.shape[4], dtype=kv.dtype))
    retnet = load_module("linearattention.gated_retnet_train",
                         os.path.join(root, "linearattention", "gated_retnet_train.py"))
    return retnet, kernel


def check_kernel_backward(kernel, rng):
    """ChunkGateRecurrent's Triton forward (_fwd_recurrence) and backward (_bwd_recurrence,
    then DI[:, :, -1] = 0, DG[:, -1] = 0), transcribed loop by loop for one (batch, head) block,
    against autograd of naive_kv_recurrent. Returns the worst difference."""
    import torch
    n, dk, dv = 4, 3, 2
    kv = rng.normal(size=(1, 1, n, dk, dv))
    d = np.exp(-rng.uniform(0.0, 1.0, size=(1, 1, n)))
    dout = rng.normal(size=(1, 1, n, dk, dv))
    # _fwd_recurrence: O[0] = 0; for i < n - 1: acc = acc * d[i] + S[i]; O[i + 1] = acc
    out = np.zeros_like(kv)
    acc = np.zeros((dk, dv))
    for i in range(n - 1):
        acc = acc * d[0, 0, i] + kv[0, 0, i]
        out[0, 0, i + 1] = acc
    # _bwd_recurrence: from the last chunk down, Dacc = Dacc * d_i + DS_i; DG_i = sum(Dacc * S_i)
    di = np.zeros_like(kv)
    dg = np.zeros((1, 1, n))
    dacc = np.zeros((dk, dv))
    for j in range(n - 1):
        i = n - 1 - j  # DS and d point at chunk i, S (the forward output), DI and DG at i - 1
        dacc = dacc * d[0, 0, i] + dout[0, 0, i]
        dg[0, 0, i - 1] = np.sum(dacc * out[0, 0, i - 1])
        di[0, 0, i - 1] = dacc
    kv_t = torch.tensor(kv, requires_grad=True)
    d_t = torch.tensor(d, requires_grad=True)
    ref = kernel.naive_kv_recurrent(kv_t, d_t, torch.zeros(1, 1, dk, dv, dtype=torch.float64))
    ref.backward(torch.tensor(dout))
    return max(float(np.max(np.abs(out - ref.detach().numpy()))),
               float(np.max(np.abs(di - kv_t.grad.numpy()))),
               float(np.max(np.abs(dg - d_t.grad.numpy()))))


def set_linear(torch_linear, p):
    import torch
    with torch.no_grad():
        torch_linear.weight.copy_(torch.from_numpy(p["w"].T.copy()))
        if "b" in p:
            torch_linear.bias.copy_(torch.from_numpy(p["b"]))


def compare(label, ours, ref, worst, tol, relative=False):
    """Worst |ours - ref| (relative=False), or the test's criterion (relative=True): the worst
    |ours - ref| / max(|ref|, 1e-3 max |ref|) element by element."""
    if relative:
        scale = np.maximum(np.abs(ref), 1e-3 * np.max(np.abs(ref)))
        d = float(np.max(np.abs(ours - ref) / scale))
    else:
        d = float(np.max(np.abs(ours - ref)))
    print(f"{label:40s} {'rel' if relative else 'abs'} |numpy - torch| = {d:.3e}")
    if d > tol:
        raise SystemExit(f"mismatch with the reference: {label}: {d} > {tol}")
    return max(worst, d)


TORCH_NAMES = {"q": "query_projection", "k": "key_projection", "v": "value_projection",
               "out": "out_projection"}
ARFLOW_NAMES = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "g": "g_proj", "gt": "gt_proj",
                "out": "out_proj"}


def check_flowformer(path, flow, results):
    import torch
    mod = load_module("flow_attention_ref", path)
    worst = {"forward": 0.0, "gradient": 0.0}
    cf = FLOW
    for name, cls in (("normal", mod.Flow_Attention), ("causal", mod.Flow_Attention_Causal)):
        m = cls(cf["d"], cf["d"], cf["d"], cf["heads"], drop_out=0.0, eps=cf["eps"]).double()
        for ours, theirs in TORCH_NAMES.items():
            set_linear(getattr(m, theirs), flow["params"][ours])
        m.eval()
        m.zero_grad(set_to_none=True)
        xt = torch.from_numpy(flow["x"].copy()).requires_grad_(True)
        yt = m(xt, xt, xt)
        yt.backward(torch.from_numpy(flow["ybar"]))
        r = results[name]
        worst["forward"] = compare(f"flow {name} y", r["y"], yt.detach().numpy(), worst["forward"], 1e-12)
        worst["gradient"] = compare(f"flow {name} xbar", r["xbar"], xt.grad.numpy(), worst["gradient"], 1e-6, True)
        params = dict(m.named_parameters())
        for ours, theirs in TORCH_NAMES.items():
            for k, tk in (("w", "weight"), ("b", "bias")):
                g = params[f"{theirs}.{tk}"].grad.numpy()
                worst["gradient"] = compare(f"flow {name} {ours}.{k}", r["grads"][f"{ours}.{k}"],
                                            g.T if k == "w" else g, worst["gradient"], 1e-6, True)
    return worst


def check_arflow(root, hybrid, results, rng):
    import torch
    retnet, kernel = load_arflow(root)
    worst = {"forward": 0.0, "gradient": 0.0, "kernel_backward": check_kernel_backward(kernel, rng)}
    print(f"{'Triton ChunkGateRecurrent fwd/bwd vs autograd':40s} abs = {worst['kernel_backward']:.3e}")
    if worst["kernel_backward"] > 1e-12:
        raise SystemExit("the transcribed Triton backward differs from autograd")
    ch = HYBRID
    m = retnet.GateRetention(dim=ch["d"], n_self_heads=ch["heads"], norm_eps=ch["eps"],
                             gate_logit_normalizer=int(ch["gate_normalizer"]),
                             chunk_size=ch["chunk"]).double()
    for ours, theirs in ARFLOW_NAMES.items():
        set_linear(getattr(m, theirs), hybrid["params"][ours])
    for name, c in (("plain", np.zeros_like(hybrid["c"])), ("conditioned", hybrid["c"])):
        m.zero_grad(set_to_none=True)
        xt = torch.from_numpy(hybrid["x"].copy()).requires_grad_(True)
        ct = torch.from_numpy(c.copy()).requires_grad_(True)
        # The code casts to float32 with .float() (for its mixed-precision kernels): keep float64.
        to_float = torch.Tensor.float
        torch.Tensor.float = lambda self: self
        try:
            yt = m(xt, ct)
        finally:
            torch.Tensor.float = to_float
        yt.backward(torch.from_numpy(hybrid["ybar"]))
        r = results[name]
        worst["forward"] = compare(f"hybrid {name} y", r["y"], yt.detach().numpy(), worst["forward"], 1e-12)
        worst["gradient"] = compare(f"hybrid {name} xbar", r["xbar"], xt.grad.numpy(), worst["gradient"], 1e-6, True)
        worst["gradient"] = compare(f"hybrid {name} cbar", r["cbar"], ct.grad.numpy(), worst["gradient"], 1e-6, True)
        params = dict(m.named_parameters())
        for ours, theirs in ARFLOW_NAMES.items():
            g = params[f"{theirs}.weight"].grad.numpy().T
            worst["gradient"] = compare(f"hybrid {name} {ours}.w", r["grads"][f"{ours}.w"], g, worst["gradient"], 1e-6, True)
    return worst


# ---------------------------------------------------------------- fixture

def tolist(a):
    return np.asarray(a, dtype=np.float64).tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowformer", metavar="FLOW_ATTENTION_PY",
                    help="path to thuml/Flowformer's Flow_Attention.py; compares with it in torch float64")
    ap.add_argument("--arflow", metavar="ARFLOW_ROOT",
                    help="path to a TheFllood/ARFlow checkout; compares with GateRetention in torch float64")
    args = ap.parse_args()

    flow, hybrid = make_inputs()
    results = run_numpy(flow, hybrid)
    checks = {}
    if args.flowformer:
        checks["flowformer"] = check_flowformer(args.flowformer, flow, results)
    if args.arflow:
        checks["arflow"] = check_arflow(args.arflow, hybrid, results, np.random.default_rng(SEED + 1))
    print(json.dumps(checks))

    def flow_case(r):
        return {"y": tolist(r["y"]), "xbar": tolist(r["xbar"]),
                "grads": {k: tolist(v) for k, v in r["grads"].items()},
                "flows": {k: tolist(v) for k, v in r["flows"].items()},
                "clamp_margin": r["clamp_margin"], "clamped_fraction": r["clamped_fraction"]}

    def hybrid_case(r):
        return {"y": tolist(r["y"]), "xbar": tolist(r["xbar"]), "cbar": tolist(r["cbar"]),
                "grads": {k: tolist(v) for k, v in r["grads"].items()}}

    fixture = {
        "source": ("NumPy float64 transcriptions of thuml/Flowformer Flow_Attention.py (Flow_Attention, "
                   "Flow_Attention_Causal) and TheFllood/ARFlow linearattention/gated_retnet_train.py "
                   "(GateRetention with chunk_gate_retention of linearattention/kernel/gate_recurrent_train.py), "
                   "generated by bench/reference/attention.py"),
        "checked_against_torch_float64": checks or None,
        "notes": [
            "All arrays are nested lists in row-major order. x, c, ybar, y, xbar, cbar: [B, T, d]. "
            "Weights are stored as flowc's Linear keeps them: w: [d_in, d_out] (the transpose of torch's "
            "weight), b: [d_out]; y = x @ w + b.",
            "Gradients are of L = sum(y * ybar): xbar w.r.t. x, cbar w.r.t. c, grads[name] w.r.t. each "
            "weight, by fourth-order central finite differences (step 1e-3) of the float64 transcription; "
            "checked_against_torch_float64 gives their worst error against torch autograd of the original "
            "code (criterion |a - b| / max(|b|, 1e-3 max|b|)).",
            "flow: Flow_Attention(d, d, d, heads, drop_out=0, eps=1e-6) ('normal') and "
            "Flow_Attention_Causal with the SAME weights ('causal'), called as attn(x, x, x). flows are "
            "the per-head [B, heads, T] intermediates of the code: sink_incoming (1/I, times normal in the "
            "causal form), source_outgoing, conserved_sink, conserved_source (BEFORE the clamp to [-1, 1]). "
            "clamp_margin: the smallest distance of |conserved_source| to 1 (finite differences need it "
            "away from the kink); clamped_fraction: the fraction of sources the clamp cuts.",
            "hybrid: GateRetention(dim=d, n_self_heads=heads, norm_eps=1e-6, chunk_size=chunk), training "
            "path (gated_retnet_train.py), no biases. 'plain' is forward(x, c = 0), 'conditioned' is "
            "forward(x, c) with c constant over each chunk (ARFlow's per-image conditioning).",
        ],
        "flow": {
            "config": FLOW,
            "x": tolist(flow["x"]), "ybar": tolist(flow["ybar"]),
            "params": {f"{m}.{k}": tolist(v) for m, p in flow["params"].items() for k, v in p.items()},
            "normal": flow_case(results["normal"]),
            "causal": flow_case(results["causal"]),
        },
        "hybrid": {
            "config": HYBRID,
            "x": tolist(hybrid["x"]), "c": tolist(hybrid["c"]), "ybar": tolist(hybrid["ybar"]),
            "params": {f"{m}.{k}": tolist(v) for m, p in hybrid["params"].items() for k, v in p.items()},
            "plain": hybrid_case(results["plain"]),
            "conditioned": hybrid_case(results["conditioned"]),
        },
    }
    out = os.path.normpath(OUT)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
