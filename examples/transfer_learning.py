"""Transfer learning on MNIST: features learnt on digits 0-4 reused for digits 5-9 (course example).

1. Pre-train LeNet-5 on the digits 0-4 (``--source-size`` training images, ``--pretrain-epochs``).
2. Freeze its convolutional layers, replace the classification head (the last Linear) by a fresh one
   for the five new classes, and fine-tune the rest on only ``--target-size`` labelled images of the
   digits 5-9 (a few hundred).
   For comparison, also freeze everything but the new head (a linear classifier on the 84 features).
3. Train the same architecture from scratch on those same few images, with the same budget.

Printed: a table of test accuracy on the 5-9 test digits (about 4,900 images) for each way of training,
with the number of trainable parameters.  Features learnt on one set of digits carry over to digits
the network never saw, which is what makes the few labels go a long way.

    python examples/transfer_learning.py [--source-size 10000] [--target-size 300] [--epochs 30]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _training as T  # noqa: E402  (puts the repository root on sys.path)

import nn  # noqa: E402
import optim  # noqa: E402
from nn.data import DataLoader, TensorDataset  # noqa: E402

SOURCE, TARGET = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def relabelled(dataset, digits):
    """A TensorDataset of the images of ``dataset`` with labels mapped to 0..len(digits)-1."""
    x, y = T.images_of(dataset), T._labels(dataset)
    lut = np.full(10, -1, dtype=np.int64)
    lut[list(digits)] = np.arange(len(digits))
    return TensorDataset(x, lut[y])


def head_name(model):
    """Dotted name of the model's last Linear layer (the classification head)."""
    names = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not names:
        raise SystemExit("transfer_learning: the model has no Linear layer to replace")
    return names[-1]


def replace_module(model, dotted, new):
    parent_name, _, attr = dotted.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    if attr.isdigit():
        parent[int(attr)] = new
    else:
        setattr(parent, attr, new)


def new_head(model, n_classes):
    """Replace the last Linear by a fresh one with ``n_classes`` outputs."""
    name = head_name(model)
    old = model.get_submodule(name)
    replace_module(model, name, nn.Linear(old.weight.shape[1], n_classes))
    return model


def freeze_convs(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            m.requires_grad_(False)
    return model


def freeze_all(model):
    """Freeze every parameter (the head replaced afterwards is the only thing left to train)."""
    return model.requires_grad_(False)


def trainable(model):
    return [p for p in model.parameters() if p.requires_grad]


def fit(model, dataset, epochs, lr, batch_size, seed, progress, desc):
    """Adam with per-epoch cosine decay on the trainable parameters; returns the model."""
    opt = optim.Adam(trainable(model), lr=lr)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=seed, transform=T.normalizer())
    model.train()
    for epoch in range(epochs):
        for xb, yb in T.progress(loader, desc=f"{desc} {epoch + 1}/{epochs}", enabled=progress):
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    return model


def accuracy(model, dataset):
    loader = DataLoader(dataset, batch_size=1000, transform=T.normalizer())
    return T.evaluate(model, loader)[1]


def run(a):
    train, _, test = T.mnist_splits(0, a.seed)
    src_train = relabelled(T.subset_by_digits(train, SOURCE, a.source_size, a.seed), SOURCE)
    src_test = relabelled(T.subset_by_digits(test, SOURCE, a.limit_test), SOURCE)
    tgt_train = relabelled(T.subset_by_digits(train, TARGET, a.target_size, a.seed + 1), TARGET)
    tgt_test = relabelled(T.subset_by_digits(test, TARGET, a.limit_test), TARGET)

    np.random.seed(a.seed)
    base = new_head(nn.models.LeNet5(), len(SOURCE))
    fit(base, src_train, a.pretrain_epochs, 2e-3, 64, a.seed, a.progress, "pre-train on 0-4")
    src_acc = accuracy(base, src_test)
    state = {k: v.numpy().copy() for k, v in base.state_dict().items()}

    rows = []
    for name, freeze in (("pre-trained on 0-4, convs frozen, new head", freeze_convs),
                         ("pre-trained on 0-4, all frozen but new head", freeze_all)):
        np.random.seed(a.seed + 1)
        transfer = new_head(nn.models.LeNet5(), len(SOURCE))
        transfer.load_state_dict(state)
        new_head(freeze(transfer), len(TARGET))
        n_train = sum(p.numel() for p in trainable(transfer))
        fit(transfer, tgt_train, a.epochs, a.lr, 32, a.seed, a.progress, f"fine-tune ({name})")
        rows.append((name, n_train, accuracy(transfer, tgt_test)))

    np.random.seed(a.seed + 1)
    scratch = new_head(nn.models.LeNet5(), len(TARGET))
    n_all = sum(p.numel() for p in trainable(scratch))
    fit(scratch, tgt_train, a.epochs, a.lr, 32, a.seed, a.progress, "from scratch")
    rows.append(("from scratch (random init)", n_all, accuracy(scratch, tgt_test)))
    return {"source_accuracy": src_acc, "rows": rows, "n_target_train": len(tgt_train),
            "n_target_test": len(tgt_test), "n_source_train": len(src_train)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source-size", type=int, default=10000, help="training images of digits 0-4")
    p.add_argument("--pretrain-epochs", type=int, default=1)
    p.add_argument("--target-size", type=int, default=300, help="labelled images of digits 5-9")
    p.add_argument("--epochs", type=int, default=30, help="epochs on the target images")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--limit-test", type=int, default=None, help="test images per task (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=False)
    a = p.parse_args(argv)
    res = run(a)
    print(f"LeNet-5 pre-trained on {res['n_source_train']} images of digits 0-4: "
          f"{100 * res['source_accuracy']:.2f}% test accuracy on 0-4")
    print(f"digits 5-9 with {res['n_target_train']} labelled training images; "
          f"test accuracy on {res['n_target_test']} test images of 5-9:")
    print(f"{'method':<46}{'trainable params':>18}{'accuracy':>10}")
    for name, n, acc in res["rows"]:
        print(f"{name:<46}{n:>18}{100 * acc:>9.2f}%")
    return res


if __name__ == "__main__":
    main()
