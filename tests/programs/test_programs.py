"""Small PyTorch programs, written the torch way with only their imports renamed, run end to end under
Kiln — and the very same source under PyTorch (tests/programs/_run.py undoes the renaming), both to
check that each program is a correct torch program and, where both sides see the same numbers, to
compare Kiln's losses with PyTorch's step by step.

A program that needs a spelling Kiln lacks today is marked ``xfail(strict=True)`` with that spelling as
the reason: it turns into a failing XPASS the day the spelling lands, so the mark is removed then."""
import functools
import math
import os
import tempfile

import numpy as np
import pytest

from . import _run

PROGRAMS = ("regression", "two_layer_autograd", "mlp_classifier", "mnist_cnn", "polynomial_nn", "sine_lstm",
            "legendre_custom_function", "mnist_rnn", "word_lm_lstm", "word_lm_transformer",
            "time_sequence_prediction")
# why a program cannot run under Kiln today: name -> (reason, the exception types it raises); a strict
# xfail, so an entry must go as soon as its program runs (all of them run today)
MISSING = {}


def _losses(result):
    return result["losses"] if isinstance(result, dict) else result


def _check_training(name, result):
    """What every run of ``name`` must show, under either library."""
    losses = np.array(_losses(result), dtype=np.float64)
    assert len(losses) > 0 and np.isfinite(losses).all(), losses
    if name == "regression":     # converged: the fitted polynomial is the target one
        assert losses[-1] < 1e-3 and len(losses) < 2000
        np.testing.assert_allclose(result["weight"], result["W_target"], atol=0.1)
        assert abs(result["bias"] - result["b_target"]) < 0.1
    elif name == "two_layer_autograd":
        assert losses[-1] < 0.01 * losses[0]
    elif name == "mlp_classifier":
        assert losses[-4:].mean() < 0.3 * losses[:4].mean() and result["accuracy"] > 0.85
        assert result["lr"] == pytest.approx(0.05 * 0.5 ** 2)
    elif name == "mnist_cnn":
        assert losses[-1] < losses[0] and result["eval_loss"] < losses[0]
        assert abs(losses[0] - math.log(10)) < 0.1          # starts at chance level
    elif name == "polynomial_nn":
        assert losses[-1] < 0.2 * losses[0] and (np.diff(losses) < 0).all()
    elif name == "sine_lstm":
        assert losses[-1] < 0.01 * losses[0] and result["test_error"] < 0.01 and result["same_predictions"]
    elif name == "legendre_custom_function":
        assert losses[-1] < 0.5 * losses[0] and (np.diff(losses) < 0).all()
    elif name == "mnist_rnn":
        assert losses[-3:].mean() < 0.85 * losses[0] and result["test_loss"] < math.log(10)  # below chance level
        assert result["accuracy"] > 0.3                      # chance is 0.1; 24 steps on 512 images
        assert result["lr"] == pytest.approx(1.0 * 0.7 ** 3)
    elif name == "time_sequence_prediction":
        assert losses[-1] < 0.5 * losses[0] and result["test_loss"] < losses[0] and result["pred_shape"] == [3, 49]
    elif name.startswith("word_lm"):
        same_batch = losses[::2]  # the even steps revisit the first batch: its loss must fall
        assert same_batch[-1] < 0.97 * same_batch[0] and abs(losses[0] - math.log(result["ntokens"])) < 0.5


def _file(name):
    """The program file a test name runs (word_lm_lstm and word_lm_transformer are one file)."""
    return "word_lm" if name.startswith("word_lm") else name


def _run_main(module, name, folder):
    """``main()`` with the arguments a program needs (a file path for the ones that save)."""
    if name == "sine_lstm":
        return module.main(os.path.join(folder, "sine_lstm.state"))
    if name.startswith("word_lm"):  # one program, PyTorch's two settings
        return module.main("Transformer" if name.endswith("transformer") else "LSTM")
    return module.main()


@functools.lru_cache(maxsize=None)
def _torch_result(name):
    pytest.importorskip("torch")
    with tempfile.TemporaryDirectory() as folder:
        return _run_main(_run.load_torch(_file(name)), name, folder)


# the programs whose Kiln and PyTorch runs see the same numbers (data and weights from NumPy)
SAME_NUMBERS = {"two_layer_autograd": 1e-4, "mlp_classifier": 1e-4, "polynomial_nn": 1e-4, "sine_lstm": 1e-4,
                "legendre_custom_function": 1e-4}


def _kiln_param(name):
    if name in MISSING:
        reason, raises = MISSING[name]
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason, raises=raises))
    return name


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_is_a_working_torch_program(name):
    _check_training(name, _torch_result(name))


@pytest.mark.parametrize("name", [_kiln_param(n) for n in PROGRAMS])
def test_program_runs_under_kiln(name, tmp_path):
    result = _run_main(_run.load(_file(name)), name, str(tmp_path))
    _check_training(name, result)
    if name in SAME_NUMBERS:
        try:
            import torch  # noqa: F401
        except ImportError:
            return
        np.testing.assert_allclose(_losses(result), _losses(_torch_result(name)), rtol=SAME_NUMBERS[name])
        if isinstance(result, dict):
            for key in set(result) - {"losses"}:
                np.testing.assert_allclose(result[key], _torch_result(name)[key], rtol=1e-4, atol=1e-6)


def test_torch_source_maps_every_import_and_nothing_else():
    src = _run.torch_source("mlp_classifier")
    assert "import torch.nn.functional as F\n" in src and "from torch.utils.data import DataLoader" in src
    assert "\nimport engine\n" not in src and "import numpy as np\n" in src
    with open(_run._path("mlp_classifier"), encoding="utf-8") as f:
        ours = f.read().splitlines()
    theirs = src.splitlines()
    changed = [(a, b) for a, b in zip(ours, theirs) if a != b]
    assert len(ours) == len(theirs) and len(changed) == 5, changed   # the five import lines, nothing else


def test_unknown_import_of_ours_is_refused(tmp_path, monkeypatch):
    (tmp_path / "bad.py").write_text("import engine.backend\nfrom kernels import x\n")
    monkeypatch.setattr(_run, "HERE", str(tmp_path))
    with pytest.raises(ValueError, match=r"bad\.py: no PyTorch mapping for the import line 'import engine\.backend'"):
        _run.torch_source("bad")
