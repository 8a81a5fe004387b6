"""Helpers shared by the MNIST example programs: checkpoints of nested training state, evaluation,
MNIST splits and loaders, and the training-curve plot.

Checkpoints.  A run's state is a nested structure — the model's state_dict, the optimiser's
``{"state": {int: {...}}, "param_groups": [...]}``, the scheduler's dict, RNG states, the history —
while ``nn.save`` writes a flat ``{name: array}`` npz (no pickle).  :func:`pack` flattens any such
structure into arrays plus one JSON skeleton (stored as a uint8 array under ``"__skeleton__"``) that
remembers every dict's key types, tuples, NumPy scalars and where each array goes; :func:`unpack`
rebuilds it exactly.  Tensors are stored as their NumPy data.

Everything here is plain Python over the public APIs of ``engine``, ``nn`` and ``optim``; the example
programs import it as a sibling module (``examples/`` is put on ``sys.path`` by each of them).
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import engine  # noqa: E402
import nn  # noqa: E402
from engine import Tensor  # noqa: E402

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
MNIST_TRAIN_IMAGES = 60000  # images in MNIST's training split (validation is held out of these)
SKELETON = "__skeleton__"


# ---- checkpoints --------------------------------------------------------------------------------
def pack(obj) -> dict:
    """Flatten a nested structure of dicts/lists/tuples/arrays/Tensors/scalars into ``{name: array}``."""
    arrays: dict = {}

    def enc(o):
        if isinstance(o, Tensor):
            o = o.numpy()
        if engine.backend.is_array(o):  # a device array comes to the host (the backend asks where it lives)
            o = engine.backend.to_numpy(o)
        if isinstance(o, np.ndarray):
            name = f"a{len(arrays)}"
            arrays[name] = np.array(o, copy=True)
            return {"__array__": name}
        if isinstance(o, np.generic):
            return {"__npscalar__": o.dtype.str, "v": o.item()}
        if isinstance(o, dict):
            return {"__dict__": [[enc(k), enc(v)] for k, v in o.items()]}
        if isinstance(o, tuple):
            return {"__tuple__": [enc(v) for v in o]}
        if isinstance(o, list):
            return [enc(v) for v in o]
        if o is None or isinstance(o, (bool, int, float, str)):
            return o
        raise TypeError(f"pack: cannot store a {type(o).__name__} in a checkpoint")

    skeleton = enc(obj)
    arrays[SKELETON] = np.frombuffer(json.dumps(skeleton).encode("utf-8"), dtype=np.uint8)
    return arrays


def unpack(flat) -> object:
    """Inverse of :func:`pack`."""
    skeleton = json.loads(bytes(np.asarray(flat[SKELETON], dtype=np.uint8)).decode("utf-8"))

    def dec(o):
        if isinstance(o, list):
            return [dec(v) for v in o]
        if isinstance(o, dict):
            if "__array__" in o:
                return np.asarray(flat[o["__array__"]])
            if "__npscalar__" in o:
                return np.dtype(o["__npscalar__"]).type(o["v"])
            if "__tuple__" in o:
                return tuple(dec(v) for v in o["__tuple__"])
            return {_hashable(dec(k)): dec(v) for k, v in o["__dict__"]}
        return o

    return dec(skeleton)


def _hashable(k):
    return tuple(_hashable(v) for v in k) if isinstance(k, list) else k


def save_checkpoint(obj, path) -> None:
    """Write ``obj`` (any structure :func:`pack` takes) to ``path`` with ``nn.save`` (atomic npz)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    nn.save(pack(obj), path)


def load_checkpoint(path):
    """Read back what :func:`save_checkpoint` wrote."""
    return unpack(dict(nn.load(path)))


# ---- data ---------------------------------------------------------------------------------------
def mnist_splits(val_size, seed, limit_train=None, limit_test=None, root=None):
    """(train, val, test) datasets: ``val_size`` images held out of the 60k training set by a seeded
    permutation, the training part optionally cut to ``limit_train``, the test set to ``limit_test``."""
    from nn.data import MNIST, Subset

    full = MNIST(root, train=True)
    test = MNIST(root, train=False)
    perm = np.random.default_rng(seed).permutation(len(full))
    val_idx, train_idx = perm[:val_size], perm[val_size:]
    if limit_train:
        train_idx = train_idx[:limit_train]
    train = Subset(full, train_idx)
    val = Subset(full, val_idx)
    if limit_test:
        test = Subset(test, np.arange(min(limit_test, len(test))))
    return train, val, test


def subset_by_digits(dataset, digits, limit=None, seed=0):
    """The samples of ``dataset`` whose label is in ``digits`` (a seeded random ``limit`` of them)."""
    from nn.data import Subset

    labels = _labels(dataset)
    idx = np.flatnonzero(np.isin(labels, list(digits)))
    if limit is not None and limit < len(idx):
        idx = np.sort(np.random.default_rng(seed).choice(idx, size=limit, replace=False))
    return Subset(dataset, idx)


def _labels(dataset):
    """All labels of an MNIST dataset or a Subset of one, as a NumPy array."""
    if hasattr(dataset, "labels"):
        return np.asarray(dataset.labels)
    return _labels(dataset.dataset)[dataset.indices]


def images_of(dataset):
    """All images of an MNIST dataset or a Subset of one, as a NumPy array (N, 1, 28, 28)."""
    if hasattr(dataset, "images"):
        return np.asarray(dataset.images)
    return images_of(dataset.dataset)[dataset.indices]


def normalizer():
    from nn.data import transforms

    return transforms.Normalize([MNIST_MEAN], [MNIST_STD])


# ---- evaluation ---------------------------------------------------------------------------------
class Tally:
    """Loss sum, correct predictions and sample count of classifier batches, kept on the batches' device.

    ``add(logits, labels, loss=None)`` reads nothing from the device: the batch's loss (a mean) times its size
    and its number of correct argmax predictions are added to two float64 sums where the logits live (on a
    GPU, a blocking read per step would stall the host behind every kernel).  ``take()`` reads both sums in
    one device-to-host transfer, returns ``(loss_sum, correct, count)`` and starts over: call it once per log
    line or epoch."""

    def __init__(self):
        self._loss = self._correct = None  # 0-d arrays on the device, from the first ``add`` on
        self.count = 0

    def add(self, logits, labels, loss=None) -> None:
        n = len(labels)
        scores = logits.array  # raw arrays: this runs every step, where Tensor ops would cost 0.3 ms on the CPU
        correct = (scores.argmax(axis=1) == labels.array).sum()
        total = loss.array.astype(np.float64) * n if loss is not None else correct * 0.0
        first = self._loss is None
        self._loss = total if first else self._loss + total
        self._correct = correct if first else self._correct + correct
        self.count += n

    def take(self):
        """``(loss_sum, correct, count)`` since the last ``take`` (one device read), and a fresh start."""
        loss_sum, correct = 0.0, 0
        if self._loss is not None:
            xp = engine.backend.get_array_module(self._loss)
            loss_sum, correct = xp.stack([self._loss, self._correct.astype(np.float64)]).tolist()
        out = (loss_sum, int(correct), self.count)
        self._loss = self._correct = None
        self.count = 0
        return out


def evaluate(model, loader, loss_fn=None):
    """(mean loss, accuracy) of a classifier over ``loader``, in eval mode and without a graph; the sums stay
    on the device until the end (one read)."""
    was_training = model.training
    model.eval()
    tally = Tally()
    with engine.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            tally.add(logits, yb, loss_fn(logits, yb) if loss_fn is not None else None)
    model.train(was_training)
    loss_sum, correct, total = tally.take()
    return (loss_sum / max(total, 1) if loss_fn is not None else float("nan")), correct / max(total, 1)


def progress(iterable, desc, enabled=True):
    """A tqdm bar over ``iterable`` (to stderr), or the iterable itself when ``enabled`` is false."""
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, leave=True, dynamic_ncols=True, mininterval=0.5)


def pick_device(name, local_rank=None):
    """``engine.Device`` for ``name``, with a clear message when CUDA is asked for but missing.

    In a distributed run (``local_rank`` given) a bare "cuda" means this rank's own GPU, ``cuda:{local_rank}``
    modulo the GPUs present (NCCL refuses two ranks on one GPU), made CuPy's current device before the model
    is built, so that every kernel of this rank runs there."""
    if str(name).startswith("cuda") and not engine.cuda_available():
        raise SystemExit(f"--device {name}: no CUDA GPU answers here (is CuPy installed?); use --device cpu")
    if local_rank is not None and str(name) == "cuda":
        name = f"cuda:{local_rank % engine.cuda.device_count()}"
    device = engine.Device(name)
    if device.type == "cuda":
        engine.cuda.set_device(device)
    return device


# ---- plots --------------------------------------------------------------------------------------
def plot_curves(history, path, title=""):
    """The babysitting plot: training loss/accuracy per logged step and validation per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    steps = history.get("steps", [])
    epochs = history.get("epochs", [])
    for ax, key, label in ((axes[0], "loss", "loss"), (axes[1], "acc", "accuracy")):
        if steps:
            ax.plot([s["epoch"] for s in steps], [s[key] for s in steps], color="tab:blue", alpha=0.35,
                    lw=1, label=f"train {label} (mean of recent steps)")
        if epochs:
            xs = [e["epoch"] for e in epochs]
            ax.plot(xs, [e[f"train_{key}"] for e in epochs], "o-", color="tab:blue", label=f"train {label}")
            ax.plot(xs, [e[f"val_{key}"] for e in epochs], "s-", color="tab:orange", label=f"validation {label}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_yscale("log")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---- TensorBoard --------------------------------------------------------------------------------
class ScalarLog:
    """Training curves for TensorBoard: ``add(tag, value, step)`` writes one scalar to an event file in
    ``logdir``, through ``tensorboardX``'s ``SummaryWriter`` when installed, else the ``tensorboard``
    package's event-file writer (Kiln never imports torch, so ``torch.utils.tensorboard`` is out).
    Without either, the constructor raises ImportError naming the package to install, before anything
    is written."""

    def __init__(self, logdir):
        kind, parts = self.backend()
        self._writer = self._tb_event_writer = None
        if kind == "tensorboardX":
            self._writer = parts(logdir)
        else:
            writer_class, self._event_pb2, self._summary_pb2 = parts
            self._tb_event_writer = writer_class(logdir)

    @staticmethod
    def backend():
        """("tensorboardX", SummaryWriter) or ("tensorboard", its writer and protos); ImportError naming
        the package to install when neither is there (the example calls this before reading any data)."""
        try:
            from tensorboardX import SummaryWriter  # noqa: PLC0415  (optional extra: kiln[tensorboard])

            return "tensorboardX", SummaryWriter
        except ImportError:
            pass
        try:
            from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: PLC0415
            from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: PLC0415
        except ImportError:
            raise ImportError("--tensorboard needs the tensorboardX package (pip install tensorboardX, "
                              "or pip install -e '.[tensorboard]'); the tensorboard package works too") from None
        return "tensorboard", (EventFileWriter, event_pb2, summary_pb2)

    def add(self, tag, value, step):
        if self._writer is not None:
            self._writer.add_scalar(tag, float(value), int(step))
            return
        import time  # noqa: PLC0415

        summary = self._summary_pb2.Summary(value=[self._summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])
        self._tb_event_writer.add_event(self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def close(self):
        (self._writer or self._tb_event_writer).close()
