"""examples/transformer_lm.py: a few training steps lower the loss and give a finite perplexity; the
causal mask really hides the future; the vocabulary round-trips."""
import math

import numpy as np
import pytest

import engine

from ._load import load

lm = load("transformer_lm")

SMALL = ["--steps", "25", "--batch-size", "8", "--context", "24", "--d-model", "32", "--heads", "2",
         "--layers", "1", "--dropout", "0.0", "--log-every", "0", "--sample", "20", "--seed", "0"]


def test_a_few_steps_lower_the_loss_and_report_perplexity(capsys):
    res = lm.main(SMALL)
    out = capsys.readouterr().out
    losses = res["losses"]
    assert len(losses) == 25 and all(math.isfinite(v) for v in losses)
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.3  # starts near ln(52) = 3.95
    assert math.isfinite(res["perplexity"]) and 1.0 < res["perplexity"] < res["vocab_size"]
    assert res["perplexity"] == pytest.approx(math.exp(res["val_loss"]))
    assert "perplexity" in out and res["sample"].startswith("We hold ") and len(res["sample"]) == 28


def test_the_causal_mask_hides_the_future():
    np.random.seed(1)
    model = lm.CharTransformerLM(10, context=8, d_model=16, nhead=2, num_layers=1, dim_feedforward=32, dropout=0.0)
    model.eval()
    a = np.array([[1, 2, 3, 4, 5, 6]])
    b = a.copy()
    b[0, 4:] = [9, 0]  # change only the last two positions
    la, lb = model(engine.tensor(a)).numpy(), model(engine.tensor(b)).numpy()
    np.testing.assert_allclose(la[0, :4], lb[0, :4], atol=1e-6)  # earlier positions never see them
    assert not np.allclose(la[0, 4:], lb[0, 4:])
    with pytest.raises(ValueError, match="sequence of length 9 exceeds the context of 8"):
        model(engine.tensor(np.zeros((1, 9), dtype=np.int64)))


def test_vocabulary_round_trip_and_unknown_characters():
    vocab = lm.CharVocab("hello world")
    assert vocab.decode(vocab.encode("lower")) == "lower" and len(vocab) == 8
    with pytest.raises(ValueError, match=r"characters \['z'\] are not in the vocabulary"):
        vocab.encode("zero")
