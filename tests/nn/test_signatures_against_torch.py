"""Every torch.nn class that Kiln also has takes torch's constructor parameters in torch's order and kinds, so a
torch program's positional arguments mean the same here (the sweep that found ``nn.MaxPool2d(3, 2, 1, 1)``
setting ceil_mode, ``nn.Dropout(0.5, True)`` setting a generator, ``nn.Embedding(10, 3, 0, 1.0)`` setting the
weight).  Kiln may add keyword-only parameters after torch's; defaults must compare equal."""
import inspect

import pytest

import nn

torch = pytest.importorskip("torch")

#: parameter defaults that differ in form but not in meaning
SAME_MEANING = {
    ("Transformer", "activation"), ("TransformerEncoderLayer", "activation"),
    ("TransformerDecoderLayer", "activation"),  # torch: F.relu, Kiln: "relu" (torch accepts both)
    ("Unflatten", "dim"), ("Unflatten", "unflattened_size"),  # Kiln's default None still requires them at use
}


def _shared_classes():
    return sorted(name for name in dir(torch.nn) if not name.startswith("_")
                  and inspect.isclass(getattr(torch.nn, name)) and issubclass(getattr(torch.nn, name), torch.nn.Module)
                  and inspect.isclass(getattr(nn, name, None)))


def _params(cls):
    return [p for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("name", _shared_classes())
def test_constructor_parameters_are_torchs(name):
    theirs, ours = _params(getattr(torch.nn, name)), _params(getattr(nn, name))
    ours_by_name = {p.name: p for p in ours}
    positional = [p.name for p in theirs if p.kind != p.KEYWORD_ONLY]
    assert [p.name for p in ours if p.kind != p.KEYWORD_ONLY][:len(positional)] == positional, name
    for p in theirs:
        q = ours_by_name.get(p.name)
        assert q is not None, f"{name}: no parameter {p.name}"
        assert (q.kind == q.KEYWORD_ONLY) == (p.kind == p.KEYWORD_ONLY), f"{name}.{p.name}: keyword-only differs"
        if (name, p.name) not in SAME_MEANING:
            assert (q.default is q.empty) == (p.default is p.empty), f"{name}.{p.name}: required-ness differs"
            if p.default is not p.empty:
                assert q.default == p.default, f"{name}.{p.name}: default {q.default!r}, torch {p.default!r}"


def test_the_sweep_covers_the_layers_people_use():
    shared = set(_shared_classes())
    assert {"Conv2d", "MaxPool2d", "AvgPool2d", "Dropout", "Embedding", "BatchNorm2d", "CrossEntropyLoss", "LSTM",
            "MultiheadAttention", "ReflectionPad2d", "Conv3d", "RMSNorm"} <= shared
    assert len(shared) >= 135
