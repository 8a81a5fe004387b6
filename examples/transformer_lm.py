"""A character-level Transformer language model on a public-domain text, reporting perplexity.

The program is written the way a PyTorch user writes one — ``nn.Embedding`` for characters and
positions, an ``nn.TransformerEncoder`` (pre-norm) run with the causal mask of
``nn.Transformer.generate_square_subsequent_mask`` so that each position sees only the past, a linear
head, ``F.cross_entropy`` and ``optim.AdamW`` — with ``torch`` renamed to Kiln's modules and nothing
else changed.

The text is ``data/text/us_founding_texts.txt`` (about 4 KB; see ``data/text/README.md``): the first
90% trains, the last 10% measures perplexity ``exp(mean cross-entropy per character)`` on text the
model has not seen.  A uniform guess over the vocabulary would score the vocabulary size (about 50);
a few hundred steps bring the validation perplexity well below that.  After training the model
samples a continuation of a prompt.

    python examples/transformer_lm.py [--steps 300] [--context 64] [--d-model 64] [--layers 2] [--seed 0]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import engine  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402

TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "text", "us_founding_texts.txt")


class CharVocab:
    """The characters of a text, each mapped to an integer id (sorted, so the mapping is reproducible)."""

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"CharVocab: characters {missing!r} are not in the vocabulary")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class CharTransformerLM(nn.Module):
    """Token and position embeddings, a causal TransformerEncoder, a final LayerNorm and a linear head."""

    def __init__(self, vocab_size, context, d_model=64, nhead=4, num_layers=2, dim_feedforward=128, dropout=0.1):
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab_size, d_model)
        self.pos = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        self.register_buffer("causal_mask", nn.Transformer.generate_square_subsequent_mask(context), persistent=False)

    def forward(self, idx):
        """``idx`` (B, T) integer ids, T <= context -> logits (B, T, vocab)."""
        t = idx.shape[1]
        if t > self.context:
            raise ValueError(f"CharTransformerLM: sequence of length {t} exceeds the context of {self.context}")
        x = self.tok(idx) + self.pos(engine.arange(t))
        mask = self.causal_mask[:t, :t]
        return self.head(self.norm(self.encoder(x, mask=mask, is_causal=True)))


def batches(data, context, batch_size, rng):
    """Random windows: inputs (B, context) and the same windows shifted by one character (targets)."""
    starts = rng.integers(0, len(data) - context - 1, batch_size)
    x = np.stack([data[s:s + context] for s in starts])
    y = np.stack([data[s + 1:s + context + 1] for s in starts])
    return engine.tensor(x), engine.tensor(y)


def loss_on(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def evaluate(model, data, context):
    """Mean cross-entropy per character over consecutive windows of ``data`` (nats), in eval mode."""
    model.eval()
    total, count = 0.0, 0
    with engine.no_grad():
        for s in range(0, len(data) - 1, context):
            chunk = data[s:s + context + 1]
            if len(chunk) < 2:
                break
            x, y = engine.tensor(chunk[None, :-1]), engine.tensor(chunk[None, 1:])
            n = chunk.size - 1
            total += float(loss_on(model, x, y).item()) * n
            count += n
    model.train()
    return total / count


def sample(model, vocab, prompt, length, rng, temperature=0.8):
    """Continue ``prompt`` by ``length`` characters drawn from the model's predictions."""
    model.eval()
    ids = list(vocab.encode(prompt))
    with engine.no_grad():
        for _ in range(length):
            window = np.array(ids[-model.context:], dtype=np.int64)[None, :]
            logits = model(engine.tensor(window)).numpy()[0, -1] / temperature
            p = np.exp(logits - logits.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
    model.train()
    return vocab.decode(ids)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--sample", type=int, default=200, help="characters to generate after training (0: none)")
    ap.add_argument("--text", default=TEXT)
    args = ap.parse_args(argv)

    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    vocab = CharVocab(text)
    data = vocab.encode(text)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    if len(train) <= args.context + 1:
        raise ValueError(f"transformer_lm: the training text ({len(train)} characters) is shorter than the context")

    np.random.seed(args.seed)  # parameter init and dropout masks
    rng = np.random.default_rng(args.seed)  # batches and sampling
    model = CharTransformerLM(len(vocab), args.context, args.d_model, args.heads, args.layers, 2 * args.d_model,
                              args.dropout)
    opt = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    print(f"{len(text)} characters, vocabulary {len(vocab)}, {sum(p.numel() for p in model.parameters())} parameters")

    losses = []
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        x, y = batches(train, args.context, args.batch_size, rng)
        loss = loss_on(model, x, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(float(loss.item()))
        if args.log_every and (step % args.log_every == 0 or step == args.steps):
            print(f"step {step:4d}  train loss {np.mean(losses[-args.log_every:]):.3f}")
    seconds = time.perf_counter() - start

    val_loss = evaluate(model, val, args.context)
    perplexity = math.exp(val_loss)
    print(f"validation: {val_loss:.3f} nats/char, perplexity {perplexity:.2f} "
          f"(uniform guess: {len(vocab)}); {seconds / max(args.steps, 1) * 1000:.0f} ms per step")
    text_out = sample(model, vocab, "We hold ", args.sample, rng) if args.sample else ""
    if text_out:
        print("sample:", text_out)
    return {"losses": losses, "val_loss": val_loss, "perplexity": perplexity, "vocab_size": len(vocab),
            "sample": text_out, "model": model}


if __name__ == "__main__":
    main()
