"""Train LeNet-5 (default) or an MLP on the MNIST digits shipped in ``data/mnist/`` — Kiln's main job.

    python examples/mnist.py                                  # LeNet-5, 1 epoch, CPU
    python examples/mnist.py --epochs 5 --device cuda         # on a GPU
    python examples/mnist.py --model mlp --epochs 5
    python examples/mnist.py --resume runs/mnist/last.npz     # continue an interrupted run
    mpiexec -n 2 python examples/mnist.py --distributed       # data-parallel; --batch-size is per rank

What a run does:

* Splits ``--val-size`` images (default 5,000) off the 60,000 training images with a seeded permutation
  (validation set); the 10,000 test images are touched only once, at the end.
* Trains with mini-batches (``--batch-size``, shuffled by a seeded generator), Adam (default) or SGD with
  Nesterov momentum, and a per-step learning-rate schedule: linear warm-up over the first
  ``--warmup`` steps, then cosine decay to zero at the end of the planned ``--epochs``.  Augmentation
  (``--augment``, on by default: random shifts of up to 2 pixels and rotations of up to 10 degrees)
  is seeded too, and runs on the batch's device (only the per-sample angles and shifts are sent there).
  A tqdm bar per epoch shows the running loss and accuracy; they are summed on the device and read
  once per log line (about 50 per epoch), so that a GPU step never waits for the host.
* After each epoch: validation loss/accuracy; ``last.npz`` (the whole state: model, optimiser,
  scheduler, early-stopping counter, history, epoch and every RNG state) and, when the validation loss
  improved, ``best.npz`` are written to ``--out-dir``.  Early stopping (``--patience`` epochs without
  improvement) ends the run; the test accuracy is measured with the best weights.
* ``--resume PATH`` reloads ``last.npz`` and carries on at the next epoch, bit for bit as if the run had
  not stopped (same data order, same augmentation, same updates on the CPU).  The run's settings come
  from the checkpoint; only ``--epochs`` (to extend the plan) and the bookkeeping options (device,
  output paths, progress bar) may be given again.  ``--stop-after K`` ends a run after K epochs as if
  interrupted (for time-limited jobs and the resume test).
* At the end: test accuracy and seconds per epoch (training time only, validation excluded) are
  printed, the babysitting plot of training/validation loss and accuracy is saved as a PNG
  (``--plot``, default ``<out-dir>/curves.png``), and ``--metrics-json PATH`` writes
  {"model", "epochs", "test_accuracy", "seconds_per_epoch", "device"}.
* ``--tensorboard DIR`` writes the same curves as TensorBoard scalars into DIR as they come (per logged
  step: ``train/loss_step``, ``train/accuracy_step``, ``lr``; per epoch: ``train/loss``, ``train/accuracy``,
  ``val/loss``, ``val/accuracy``; at the end ``test/loss``, ``test/accuracy``), through tensorboardX
  (optional extra ``kiln[tensorboard]``) or the tensorboard package; ``tensorboard --logdir DIR`` shows them.

``--limit-train N`` / ``--limit-test N`` / ``--val-size N`` shrink the data for quick checks.
``--amp bfloat16|float16`` trains with mixed precision (``engine.autocast`` around the forward pass and the
loss; float16 adds an ``engine.amp.GradScaler``, whose state the checkpoint keeps); the weights stay float32.

Bad arguments stop the run before anything is read or written, with argparse's ``error:`` line and exit
status 2: counts must be positive integers (``--epochs``, ``--batch-size``, ``--limit-*``, ``--stop-after``),
``--val-size`` must leave at least one training image, ``--lr`` must be finite and positive, ``--resume`` must
name a readable file.  A checkpoint that fails any check (a corrupt file, a settings value argparse would
refuse, an optimiser/scheduler state with lr=nan, step=-1, ...) is refused the same way and nothing is
written: ``last.npz`` stays as it was.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _training as T  # noqa: E402  (puts the repository root on sys.path)

import engine  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from nn.data import DataLoader, transforms  # noqa: E402

# settings that define a run (restored from the checkpoint on --resume)
RUN_KEYS = ("model", "optimizer", "lr", "weight_decay", "batch_size", "seed", "augment", "val_size",
            "limit_train", "limit_test", "patience", "warmup", "epochs")


def build_model(name):
    from nn import models

    if name == "lenet5":
        return models.LeNet5()
    if name == "mlp":
        return models.MLP([784, 512, 256, 10])
    raise SystemExit(f"--model must be lenet5 or mlp, got {name!r}")


class Flat(nn.Module):
    """Flatten (N, 1, 28, 28) images for the MLP."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.reshape(x.shape[0], -1))


def make_model(name):
    m = build_model(name)
    return Flat(m) if name == "mlp" else m


def make_optimizer(cfg, params):
    if cfg["optimizer"] == "adam":
        return optim.Adam(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    if cfg["optimizer"] == "sgd":
        return optim.SGD(params, lr=cfg["lr"], momentum=0.9, nesterov=True, weight_decay=cfg["weight_decay"])
    raise SystemExit(f"--optimizer must be adam or sgd, got {cfg['optimizer']!r}")


def lr_factor(total_steps, warmup):
    """Linear warm-up to 1 over ``warmup`` steps, then cosine decay to 0 at ``total_steps``."""
    def f(step):
        if step < warmup:
            return (step + 1) / warmup
        t = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return 0.5 * (1.0 + math.cos(math.pi * t))

    return f


def _integer(low, high=None):
    """An argparse type: an integer in ``[low, high]``."""
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if v < low or (high is not None and v > high):
            rng = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise argparse.ArgumentTypeError(f"must be an integer {rng}, got {v}")
        return v

    parse.__name__ = "integer"
    return parse


def _real(low, low_inclusive):
    """An argparse type: a finite float ``>= low`` (``> low``)."""
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(v) or v < low or (v == low and not low_inclusive):
            raise argparse.ArgumentTypeError(f"must be a finite number {'>=' if low_inclusive else '>'} {low:g}, "
                                             f"got {text}")
        return v

    parse.__name__ = "number"
    return parse


def _readable_file(text):
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"no such checkpoint file: {text!r}")
    if not os.access(text, os.R_OK):
        raise argparse.ArgumentTypeError(f"checkpoint file {text!r} is not readable")
    return text


# the argument rules, shared by the command line and the settings a checkpoint brings back on --resume
POSITIVE, NON_NEGATIVE = _integer(1), _integer(0)
CHECKS = {
    "epochs": POSITIVE, "batch_size": POSITIVE, "limit_train": POSITIVE, "limit_test": POSITIVE,
    "stop_after": POSITIVE, "warmup": NON_NEGATIVE, "seed": NON_NEGATIVE, "patience": NON_NEGATIVE,
    "val_size": _integer(1, T.MNIST_TRAIN_IMAGES - 1), "lr": _real(0.0, False), "weight_decay": _real(0.0, True),
}


def build_parser():
    p = argparse.ArgumentParser(prog="mnist.py", description="Train LeNet-5 or an MLP on MNIST with Kiln.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", choices=["lenet5", "mlp"], default="lenet5")
    p.add_argument("--epochs", type=CHECKS["epochs"], default=None,
                   help="planned epochs (default 1; on --resume: as saved)")
    p.add_argument("--batch-size", type=CHECKS["batch_size"], default=32)
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    p.add_argument("--lr", type=CHECKS["lr"], default=None, help="peak learning rate (default: adam 2e-3, sgd 0.05)")
    p.add_argument("--weight-decay", type=CHECKS["weight_decay"], default=0.0)
    p.add_argument("--warmup", type=CHECKS["warmup"], default=100, help="warm-up steps")
    p.add_argument("--seed", type=CHECKS["seed"], default=0)
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--val-size", type=CHECKS["val_size"], default=5000,
                   help=f"validation images held out of the {T.MNIST_TRAIN_IMAGES} training images")
    p.add_argument("--patience", type=CHECKS["patience"], default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--amp", choices=["bfloat16", "float16"], default=None,
                   help="mixed precision: forward and loss under engine.autocast with this dtype "
                        "(float16 adds a GradScaler)")
    p.add_argument("--out-dir", default=None,
                   help="checkpoints and plot (default runs/mnist; on --resume, the checkpoint's folder)")
    p.add_argument("--resume", metavar="PATH", type=_readable_file, default=None)
    p.add_argument("--stop-after", type=CHECKS["stop_after"], default=None, metavar="K",
                   help="stop after K epochs of this run")
    p.add_argument("--metrics-json", metavar="PATH", default=None)
    p.add_argument("--plot", metavar="PATH", default=None, help="PNG of the curves (default <out-dir>/curves.png)")
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="also write the curves (loss, accuracy, lr) as TensorBoard scalars into DIR (needs tensorboardX)")
    p.add_argument("--limit-train", type=CHECKS["limit_train"], default=None)
    p.add_argument("--limit-test", type=CHECKS["limit_test"], default=None)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over MPI (run under mpiexec -n N; --batch-size is per rank)")
    return p


def parse_args(argv):
    return build_parser().parse_args(argv)


def refuse_checkpoint(path, why):
    """Stop as argparse does (``error:`` line, exit status 2) for a checkpoint that cannot be resumed."""
    build_parser().error(f"argument --resume: {path}: {why}; nothing was changed")


def checkpoint_config(path, ckpt):
    """The run settings a checkpoint brings back, each checked with the command line's rules."""
    cfg = ckpt.get("config") if isinstance(ckpt, dict) else None
    if not isinstance(cfg, dict) or set(cfg) != set(RUN_KEYS):
        refuse_checkpoint(path, f"its 'config' must hold exactly {list(RUN_KEYS)}")
    choices = {"model": ("lenet5", "mlp"), "optimizer": ("adam", "sgd")}
    for key, allowed in choices.items():
        if cfg[key] not in allowed:
            refuse_checkpoint(path, f"saved {key} {cfg[key]!r} is not one of {list(allowed)}")
    for key, check in CHECKS.items():
        if key not in cfg or (cfg[key] is None and key in ("limit_train", "limit_test")):
            continue
        v = cfg[key]
        kinds = (int, float, np.integer, np.floating) if key in ("lr", "weight_decay") else (int, np.integer)
        try:
            if isinstance(v, bool) or not isinstance(v, kinds):
                raise argparse.ArgumentTypeError(f"expected {'a number' if float in kinds else 'an integer'}, "
                                                 f"got {v!r}")
            check(str(v))
        except argparse.ArgumentTypeError as e:
            refuse_checkpoint(path, f"saved {key}: {e}")
    if not isinstance(cfg["augment"], bool):
        refuse_checkpoint(path, f"saved augment must be true or false, got {cfg['augment']!r}")
    return dict(cfg)


def train_transform(cfg):
    norm = T.normalizer()
    if not cfg["augment"]:
        return norm
    return transforms.Compose([transforms.RandomRotation(10.0), transforms.RandomTranslation(2), norm],
                              seed=cfg["seed"] + 1)


def train_step(model, loss_fn, opt, scaler, xb, yb, amp=None):
    """One optimisation step on the batch ``(xb, yb)``: forward and loss (under ``engine.autocast`` with the
    dtype ``amp`` names, if any), backward, and the optimiser step through ``scaler`` (a disabled GradScaler is
    a plain backward and step).  Returns ``(loss, logits)``, left on the device: the step itself reads nothing
    back to the host (the training loop tallies them there, see ``_training.Tally``)."""
    with engine.autocast(xb.device.type, dtype=amp or "bfloat16", enabled=amp is not None):
        logits = model(xb)
        loss = loss_fn(logits, yb)
    opt.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(opt)  # skipped when float16 gradients overflowed
    scaler.update()
    return loss, logits


def _rng_states(loader, tf):
    out = {"numpy_global": np.random.get_state(), "loader": loader.generator.bit_generator.state}
    if isinstance(tf, transforms.Compose):
        out["augment"] = [t.generator.bit_generator.state for t in tf.transforms
                          if isinstance(t, transforms.RandomTransform)]
    return out


def _set_rng_states(states, loader, tf):
    np.random.set_state(tuple(states["numpy_global"]))
    loader.generator.bit_generator.state = states["loader"]
    if isinstance(tf, transforms.Compose):
        rnd = [t for t in tf.transforms if isinstance(t, transforms.RandomTransform)]
        for t, s in zip(rnd, states["augment"]):
            t.generator.bit_generator.state = s


def run(args):
    """Train, test and report; returns the metrics dict."""
    if args.tensorboard:
        T.ScalarLog.backend()  # a missing package stops the run before anything is read or written
    ckpt = None
    if args.resume:
        try:
            ckpt = T.load_checkpoint(args.resume)
        except Exception as e:  # a corrupt or foreign file: whatever the reader says, with the path
            refuse_checkpoint(args.resume, f"cannot be read as a checkpoint ({type(e).__name__}: {e})")
    if ckpt is not None:
        cfg = checkpoint_config(args.resume, ckpt)
        if args.epochs is not None:
            cfg["epochs"] = args.epochs
    else:
        cfg = {k: getattr(args, k) for k in RUN_KEYS}
        cfg["epochs"] = 1 if args.epochs is None else args.epochs
        if cfg["lr"] is None:
            cfg["lr"] = 2e-3 if cfg["optimizer"] == "adam" else 0.05
    comm = None
    if args.distributed:  # every rank: rank 0's weights, its own shard, gradients averaged before each step
        from engine.distributed import Communicator

        comm = Communicator()
        if comm.rank:  # rank 0 alone prints and writes checkpoints and plots
            args.out_dir, args.progress, args.plot = os.path.join(args.out_dir or "runs/mnist", f"rank{comm.rank}"), False, os.devnull
            args.tensorboard = None
            sys.stdout = open(os.devnull, "w")
    device = T.pick_device(args.device, comm.local_rank if comm is not None else None)

    np.random.seed(cfg["seed"])  # parameter initialisation draws from NumPy's global generator
    model = make_model(cfg["model"]).to(device)
    opt = make_optimizer(cfg, model.parameters())
    train_ds, val_ds, test_ds = T.mnist_splits(cfg["val_size"], cfg["seed"], cfg["limit_train"], cfg["limit_test"])
    train_set = train_ds
    if comm is not None:
        from nn.data import DistributedShard

        optim.broadcast_parameters(model, comm)
        opt = optim.DistributedOptimizer(opt, comm)
        train_set = DistributedShard(train_ds, comm, seed=cfg["seed"])
    tf = train_transform(cfg)
    loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, generator=cfg["seed"],
                        device=device, transform=tf)
    val_loader = DataLoader(val_ds, batch_size=1000, device=device, transform=T.normalizer())
    test_loader = DataLoader(test_ds, batch_size=1000, device=device, transform=T.normalizer())
    total_steps = cfg["epochs"] * len(loader)
    sched = optim.lr_scheduler.LambdaLR(opt, lr_factor(total_steps, cfg["warmup"]))
    out_dir = args.out_dir or (os.path.dirname(os.path.abspath(args.resume)) if args.resume else "runs/mnist")
    stopper = optim.EarlyStopping(patience=cfg["patience"], mode="min", checkpoint=os.path.join(out_dir, "best.npz"))
    loss_fn = nn.CrossEntropyLoss()
    scaler = engine.amp.GradScaler(device.type, enabled=args.amp == "float16")  # disabled: plain backward/step
    history = {"steps": [], "epochs": []}
    start_epoch = 0
    if ckpt is not None:  # every part is checked by its own load_state_dict; nothing is written before
        try:
            model.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["optimizer"])
            sched.load_state_dict(ckpt["scheduler"])
            if scaler.is_enabled() and "scaler" in ckpt:
                scaler.load_state_dict(ckpt["scaler"])
            stopper.load_state_dict(ckpt["early_stopping"])
            history = ckpt["history"]
            start_epoch = ckpt["epoch"]
            if isinstance(start_epoch, bool) or not isinstance(start_epoch, (int, np.integer)) or \
                    not 0 <= start_epoch <= cfg["epochs"]:
                raise ValueError(f"epoch must be an integer in [0, {cfg['epochs']}], got {start_epoch!r}")
            if not isinstance(history, dict) or set(history) != {"steps", "epochs"}:
                raise ValueError("history must hold 'steps' and 'epochs'")
            _set_rng_states(ckpt["rng"], loader, tf)
        except (KeyError, TypeError, ValueError) as e:
            refuse_checkpoint(args.resume, f"{type(e).__name__}: {e}")
        start_epoch = int(start_epoch)
        print(f"resumed from {args.resume} after epoch {start_epoch} of {cfg['epochs']}")
    os.makedirs(out_dir, exist_ok=True)
    tb = T.ScalarLog(args.tensorboard) if args.tensorboard else None

    print(f"{cfg['model']} ({model.num_parameters()} parameters) on {device}; {len(train_ds)} training, "
          f"{len(val_ds)} validation, {len(test_ds)} test images; {cfg['optimizer']} lr {cfg['lr']:g}, "
          f"batch {cfg['batch_size']}, augment {'on' if cfg['augment'] else 'off'}")
    epochs_this_run = 0
    log_every = max(1, len(loader) // 50)
    for epoch in range(start_epoch, cfg["epochs"]):
        if stopper.should_stop:
            break
        model.train()
        if comm is not None:
            train_set.set_epoch(epoch)
        t0 = time.perf_counter()
        loss_sum, correct, seen = 0.0, 0, 0
        window = T.Tally()  # on the device; read once per log line (about 50 per epoch), never per step
        bar = T.progress(loader, desc=f"epoch {epoch + 1}/{cfg['epochs']}", enabled=args.progress)
        for i, (xb, yb) in enumerate(bar):
            loss, logits = train_step(model, loss_fn, opt, scaler, xb, yb, args.amp)
            step_lr = opt.param_groups[0]["lr"]  # the rate this step used (for TensorBoard)
            sched.step()
            window.add(logits, yb, loss)
            if (i + 1) % log_every == 0:  # the plot gets the mean over the last log_every steps
                w_loss, w_correct, w_seen = window.take()
                loss_sum, correct, seen = loss_sum + w_loss, correct + w_correct, seen + w_seen
                history["steps"].append({"epoch": epoch + (i + 1) / len(loader), "loss": w_loss / w_seen,
                                         "acc": w_correct / w_seen})
                if tb is not None:  # x axis: the global step
                    step = epoch * len(loader) + i + 1
                    tb.add("train/loss_step", w_loss / w_seen, step)
                    tb.add("train/accuracy_step", w_correct / w_seen, step)
                    tb.add("lr", step_lr, step)
                if args.progress:
                    bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
        w_loss, w_correct, w_seen = window.take()  # the steps after the last log line
        loss_sum, correct, seen = loss_sum + w_loss, correct + w_correct, seen + w_seen
        seconds = time.perf_counter() - t0
        if comm is not None:  # training metrics over all ranks
            loss_sum, correct, seen = comm.allreduce_sum([np.array([loss_sum, correct, seen])])[0].tolist()
        val_loss, val_acc = T.evaluate(model, val_loader, loss_fn)
        stopper.step(val_loss, model)  # keeps a copy of the best weights and writes best.npz
        improved = stopper.best_epoch == epoch
        history["epochs"].append({"epoch": epoch + 1, "train_loss": loss_sum / seen, "train_acc": correct / seen,
                                  "val_loss": val_loss, "val_acc": val_acc, "seconds": seconds})
        if tb is not None:  # x axis: the epoch
            for tag, key in (("train/loss", "train_loss"), ("train/accuracy", "train_acc"),
                             ("val/loss", "val_loss"), ("val/accuracy", "val_acc")):
                tb.add(tag, history["epochs"][-1][key], epoch + 1)
        print(f"epoch {epoch + 1}: train loss {loss_sum / seen:.4f} acc {correct / seen:.4f} | "
              f"val loss {val_loss:.4f} acc {val_acc:.4f} | {seconds:.1f} s" + (" | best" if improved else ""))
        T.save_checkpoint({"model": model.state_dict(), "optimizer": opt.state_dict(),
                           "scheduler": sched.state_dict(), "early_stopping": stopper.state_dict(),
                           "history": history, "epoch": epoch + 1, "config": cfg,
                           "rng": _rng_states(loader, tf),
                           **({"scaler": scaler.state_dict()} if scaler.is_enabled() else {})},
                          os.path.join(out_dir, "last.npz"))
        epochs_this_run += 1
        if stopper.should_stop:
            print(f"early stopping: no better validation loss for {stopper.patience} epochs "
                  f"(best at epoch {stopper.best_epoch + 1})")
        if args.stop_after is not None and epochs_this_run >= args.stop_after:
            break

    if stopper.best_epoch >= 0:
        stopper.restore_best(model)  # from memory, or from best.npz after a resume
    test_loss, test_acc = T.evaluate(model, test_loader, loss_fn)
    times = [e["seconds"] for e in history["epochs"]]
    sec = float(np.mean(times)) if times else float("nan")
    print(f"test accuracy {100 * test_acc:.2f}% (loss {test_loss:.4f}, weights of epoch {stopper.best_epoch + 1}) | "
          f"{sec:.1f} s per epoch over {len(times)} epoch(s) on {device}")
    plot = args.plot or os.path.join(out_dir, "curves.png")
    T.plot_curves(history, plot, title=f"{cfg['model']} on MNIST")
    if tb is not None:
        tb.add("test/loss", test_loss, len(history["epochs"]))
        tb.add("test/accuracy", test_acc, len(history["epochs"]))
        tb.close()
    metrics = {"model": cfg["model"], "epochs": len(history["epochs"]), "test_accuracy": test_acc,
               "seconds_per_epoch": sec, "device": str(device)}
    if args.metrics_json:
        d = os.path.dirname(os.path.abspath(args.metrics_json))
        os.makedirs(d, exist_ok=True)
        with open(args.metrics_json, "w") as f:
            json.dump(metrics, f, indent=2)
    return metrics


def main(argv=None):
    return run(parse_args(argv))


if __name__ == "__main__":
    main()
