"""examples/vae.py: the loss against a NumPy formula, the reparameterisation trick's values and
gradients, and a short training run on a small MNIST subset (loss finite and falling, PNG grids written)."""
import numpy as np
import pytest

import engine

from ._load import load

vae = load("vae")


def _np_loss(recon, x, mu, logvar):
    recon, x, mu, logvar = (np.asarray(a, np.float64) for a in (recon, x, mu, logvar))
    bce = -np.sum(x * np.log(recon) + (1 - x) * np.log(1 - recon))
    kld = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar))
    return bce + kld


def test_loss_function_matches_numpy_formula_and_its_gradients():
    rng = np.random.default_rng(0)
    x = rng.random((3, 1, 28, 28))
    recon = engine.tensor(rng.uniform(0.05, 0.95, (3, 784)), dtype=np.float64, requires_grad=True)
    mu = engine.tensor(rng.normal(size=(3, 20)), dtype=np.float64, requires_grad=True)
    logvar = engine.tensor(rng.normal(size=(3, 20)), dtype=np.float64, requires_grad=True)
    loss = vae.loss_function(recon, engine.tensor(x, dtype=np.float64), mu, logvar)
    assert loss.shape == ()
    np.testing.assert_allclose(loss.item(), _np_loss(recon.numpy(), x.reshape(3, 784), mu.numpy(), logvar.numpy()),
                               rtol=1e-12)
    loss.backward()
    p, y = recon.numpy(), x.reshape(3, 784)
    np.testing.assert_allclose(recon.grad.numpy(), (p - y) / (p * (1 - p)), rtol=1e-10)
    np.testing.assert_allclose(mu.grad.numpy(), mu.numpy(), rtol=1e-12)                    # dKL/dmu = mu
    np.testing.assert_allclose(logvar.grad.numpy(), 0.5 * (np.exp(logvar.numpy()) - 1), rtol=1e-12)


def test_reparameterisation_draws_from_the_generator_and_passes_gradients():
    model = vae.VAE(generator=np.random.default_rng(7))
    mu = engine.tensor(np.linspace(-1, 1, 40).reshape(2, 20), requires_grad=True)
    logvar = engine.tensor(np.linspace(-2, 0.5, 40).reshape(2, 20), requires_grad=True)
    z = model.reparameterize(mu, logvar)
    eps = np.random.default_rng(7).standard_normal((2, 20)).astype(np.float32)
    std = np.exp(0.5 * logvar.numpy())
    np.testing.assert_allclose(z.numpy(), mu.numpy() + eps * std, rtol=1e-6)
    z.sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), np.ones((2, 20)))
    np.testing.assert_allclose(logvar.grad.numpy(), 0.5 * eps * std, rtol=1e-5)


def test_short_training_run_lowers_the_loss_and_writes_grids(tmp_path, capsys):
    from PIL import Image

    res = vae.main(["--epochs", "2", "--limit-train", "512", "--limit-test", "128", "--batch-size", "64",
                    "--log-interval", "0", "--out", str(tmp_path)])
    steps = np.array(res["steps"])
    assert len(steps) == 16 and np.isfinite(steps).all()
    assert steps[-4:].mean() < 0.8 * steps[:4].mean(), steps          # per-image loss starts near 543
    h = res["history"]
    assert h[1]["train_loss"] < h[0]["train_loss"] and np.isfinite(h[1]["test_loss"])
    assert "====> Test set loss" in capsys.readouterr().out
    with Image.open(tmp_path / "sample_2.png") as im:
        assert (im.size, im.mode) == ((8 * 30 + 2, 8 * 30 + 2), "L")
        pixels = np.asarray(im)
    assert pixels.std() > 10      # decoded digits, not a blank grid
    with Image.open(tmp_path / "reconstruction_2.png") as im:
        assert im.size == (8 * 30 + 2, 2 * 30 + 2)
    assert res["sample"] == str(tmp_path / "sample_2.png")
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".tmp-")]   # atomic writes left nothing


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit):
        vae.main(["--batch-size", "0"])
    assert "--batch-size and --epochs must be positive, got 0 and 10" in capsys.readouterr().err


def test_one_step_matches_pytorch_with_the_same_weights_and_noise():
    torch = pytest.importorskip("torch")
    np.random.seed(3)
    model = vae.VAE(generator=np.random.default_rng(11))
    x = np.random.default_rng(5).random((4, 1, 28, 28)).astype(np.float32)
    recon, mu, logvar = model(engine.tensor(x))
    loss = vae.loss_function(recon, engine.tensor(x), mu, logvar)
    loss.backward()

    eps = torch.from_numpy(np.random.default_rng(11).standard_normal((4, 20)).astype(np.float32))
    w = {k: torch.from_numpy(v.numpy().copy()).requires_grad_() for k, v in model.state_dict().items()}

    def lin(h, name):
        return torch.nn.functional.linear(h, w[name + ".weight"], w[name + ".bias"])

    xt = torch.from_numpy(x).view(-1, 784)
    h1 = torch.relu(lin(xt, "fc1"))
    tmu, tlogvar = lin(h1, "fc21"), lin(h1, "fc22")
    z = tmu + eps * torch.exp(0.5 * tlogvar)
    trecon = torch.sigmoid(lin(torch.relu(lin(z, "fc3")), "fc4"))
    tloss = (torch.nn.functional.binary_cross_entropy(trecon, xt, reduction="sum")
             - 0.5 * torch.sum(1 + tlogvar - tmu.pow(2) - tlogvar.exp()))
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
    for name, param in model.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), w[name].grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)
