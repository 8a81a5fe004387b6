"""examples/transfer_learning.py on small subsets: the frozen, pre-trained features beat training
from scratch on the same few images of the new digits; only the head and the fully connected layers train."""
from ._load import load

tl = load("transfer_learning")


def test_transfer_beats_scratch(capsys):
    res = tl.main(["--source-size", "3000", "--target-size", "100", "--epochs", "8", "--limit-test", "1000"])
    out = capsys.readouterr().out
    assert "from scratch" in out and "frozen" in out
    (name_t, n_t, acc_t), (name_h, n_h, acc_h), (name_s, n_s, acc_s) = res["rows"]
    assert res["source_accuracy"] > 0.9
    assert n_h == 84 * 5 + 5 < n_t < n_s   # conv layers frozen; then all but the head
    assert acc_t > 0.6                 # chance is 0.2
    assert acc_t > acc_s + 0.03
