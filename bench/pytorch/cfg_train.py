"""The PyTorch twin of specs/cfg.flow's training, for bench/anchor.

Trains, as flowc does for that spec (shared definitions and what they match: toy2d.py), in
PyTorch eager on one thread:

  data      labeled eight Gaussians, radius 2, std 0.5 (class k of each point), independent
            coupling x0 ~ N(0, I).
  model     MLP(2 + 1 + 16, [128, 128, 128], 2, silu) on concat(x, t, embedding(y)), with
            embedding = Embedding(9, 16) (N(0, 1), nn.Embedding's default); label 8 is the
            "no class" label.
  loss      t ~ U[0, 1), keep ~ U[0, 1); label = 8 where keep < 0.2 (label dropout), else y;
            linear path, `mse_loss` on x1 - x0.
  training  Adam lr 1e-3, cosine, EMA 0.999, batch 256, 6000 steps.
  samplers  (EMA weights) 50 Euler steps of the guided velocity (1 + w) v(x, t, y) - w v(x, t, 8)
            for y = floor(8 u), u ~ U[0, 1); `class_accuracy(w)`: 1 where the sample's nearest
            centre (argmax of x . (cos 2 pi k / 8, sin 2 pi k / 8)) is its class y;
            `unconditional`: 50 Euler steps of v(x, t, 8).

Writes to --out: unconditional.npy (float32 [draws * n, 2]), accuracy_w0.npy and accuracy_w2.npy
(float32 [draws * n, 1], the hits) and result.json.
"""
import json
import math

import torch

import toy2d as T

CLASSES, EMBED, P_UNCOND = 8, 16, 0.2


class CFM(torch.nn.Module):
    def __init__(self, d=2, width=128):
        super().__init__()
        self.net = T.mlp(d + 1 + EMBED, width, d)
        self.label_embedding = torch.nn.Embedding(CLASSES + 1, EMBED)

    def forward(self, x, t, y):
        return self.net(torch.cat([x, t[:, None], self.label_embedding(y)], dim=-1))


def main():
    a, steps, result = T.start(__doc__, ["guided"], {"guided": 6000})
    d, batch = 2, 256

    model = CFM(d)

    def loss(_step):
        x1, y = T.gaussians8(batch, radius=2.0, std=0.5)
        x0 = torch.randn(batch, d)
        t = torch.rand(batch)
        keep = torch.rand(batch)
        label = torch.where(keep < P_UNCOND, torch.full_like(y, CLASSES), y)
        xt = t[:, None] * x1 + (1 - t[:, None]) * x0
        return T.mse_loss(model(xt, t, label), x1 - x0)

    ema, result["guided_seconds"], result["guided_last_loss"] = T.train(model, loss, steps["guided"], 1e-3, 0.999)
    trained = T.loaded(CFM(d), ema)
    m = a.draws * a.n
    none = torch.full((m,), CLASSES, dtype=torch.long)
    angles = torch.arange(CLASSES, dtype=torch.float32) * (2 * math.pi / CLASSES)
    centres = torch.stack([torch.cos(angles), torch.sin(angles)])  # [2, classes]

    for w in (0.0, 2.0):
        x0 = torch.randn(m, d)
        y = torch.floor(torch.rand(m) * CLASSES).long()
        x = T.euler(lambda x, t: (1 + w) * trained(x, t, y) - w * trained(x, t, none), x0, 50)
        hits = (torch.argmax(x @ centres, dim=-1) == y).to(torch.float32)
        T.save(a.out, f"accuracy_w{int(w)}", hits[:, None])
    T.save(a.out, "unconditional", T.euler(lambda x, t: trained(x, t, none), torch.randn(m, d), 50))

    T.finish(a.out, result)


if __name__ == "__main__":
    main()
