"""examples/denoising_autoencoder.py on a small subset: it denoises (reconstruction error well below
the noisy input's), greedy pretraining runs, and the PNG grid is written."""
from ._load import load

dae = load("denoising_autoencoder")


def test_denoises_with_and_without_pretraining(tmp_path, capsys):
    grid = tmp_path / "grid.png"
    res = dae.main(["--limit-train", "1500", "--limit-test", "500", "--epochs", "2", "--compare",
                    "--no-progress", "--grid", str(grid)])
    out = capsys.readouterr().out
    assert "greedy pretraining" in out and "end-to-end only" in out
    for k in ("plain", "pretrain"):
        r = res[k]
        assert r["reconstruction_mse"] < 0.75 * r["noisy_mse"], (k, r)
    assert res["plain"]["noisy_mse"] == res["pretrain"]["noisy_mse"]   # same corruption for both
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
