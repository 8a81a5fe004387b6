"""examples/gan.py: the DCGAN's shapes and output range, where gradients go in each half-step (none into
the generator in the discriminator step; the right ones, checked against central differences in float64,
in the generator step), and a short training run on a small MNIST subset that writes its sample grid."""
import numpy as np
import pytest

import engine
import nn

from ._load import load

gan = load("gan")


def _nets(dtype_double=True, seed=0):
    np.random.seed(seed)
    netG, netD, optG, optD = gan.build(nz=8, ngf=4, ndf=4, lr=2e-4, device="cpu")
    if dtype_double:
        netG.double(), netD.double()
    return netG, netD, optG, optD


def test_generator_and_discriminator_shapes_and_ranges():
    netG, netD, _, _ = _nets(dtype_double=False)
    z = engine.randn(5, 8, 1, 1, generator=np.random.default_rng(0))
    img = netG(z)
    assert img.shape == (5, 1, 28, 28)
    netG.main[6].weight.array[...] *= 1000.0    # saturate the Tanh: still inside [-1, 1], touching the ends
    big = netG(z).numpy()
    assert np.abs(img.numpy()).max() <= 1.0 and np.abs(big).max() <= 1.0
    assert big.max() > 0.999 and big.min() < -0.999
    p = netD(img).numpy()
    assert p.shape == (5, 1, 1, 1) and ((p > 0) & (p < 1)).all()
    assert type(netG.main[0]).__name__ == "ConvTranspose2d" and netG.main[0].weight.shape == (8, 8, 7, 7)
    # DCGAN's initialisation: conv weights N(0, 0.02), batch-norm scale N(1, 0.02), shift 0
    assert abs(float(netD.main[2].weight.numpy().std()) - 0.02) < 0.01
    bn = netG.main[1]
    assert abs(float(bn.weight.numpy().mean()) - 1.0) < 0.02 and not bn.bias.numpy().any()


def test_discriminator_step_leaves_the_generator_alone_and_generator_step_backprops_through_d():
    netG, netD, optG, optD = _nets()
    crit = nn.BCELoss()
    rng = np.random.default_rng(1)
    real = engine.tensor(rng.uniform(-1, 1, (6, 1, 28, 28)), dtype=np.float64)
    noise = engine.tensor(rng.normal(size=(6, 8, 1, 1)), dtype=np.float64)
    g_before = [p.numpy().copy() for p in netG.parameters()]
    d_before = [p.numpy().copy() for p in netD.parameters()]
    fake = netG(noise)
    errD, D_x, D_G_z1 = gan.discriminator_step(netD, optD, crit, real, fake)
    assert np.isfinite(errD) and 0 < D_x < 1 and 0 < D_G_z1 < 1
    assert all(p.grad is None for p in netG.parameters())          # fakes were detached
    assert all(not np.array_equal(p.numpy(), b) for p, b in zip(netD.parameters(), d_before))
    assert all(np.array_equal(p.numpy(), b) for p, b in zip(netG.parameters(), g_before))

    # errG as a function of the generator's first weight, by central differences, before the G step
    w = netG.main[0].weight
    ones = engine.ones(6, dtype=np.float64)

    def err_g():
        with engine.no_grad():
            return crit(netD(netG(noise)).view(-1), ones).item()

    picks = [(0, 0, 3, 3), (2, 5, 0, 6), (7, 1, 4, 2)]
    numeric = []
    for idx in picks:
        old = w.array[idx]
        w.array[idx] = old + 1e-6
        up = err_g()
        w.array[idx] = old - 1e-6
        down = err_g()
        w.array[idx] = old
        numeric.append((up - down) / 2e-6)
    errG, D_G_z2 = gan.generator_step(netG, netD, optG, crit, netG(noise))
    assert np.isfinite(errG) and 0 < D_G_z2 < 1
    grad = w.grad.numpy()
    assert np.abs(grad).max() > 0
    np.testing.assert_allclose([grad[i] for i in picks], numeric, rtol=1e-4, atol=1e-9)
    assert not np.array_equal(w.numpy(), g_before[0])               # and Adam moved it


def test_short_training_run_writes_the_sample_grid(tmp_path, capsys):
    from PIL import Image

    res = gan.main(["--epochs", "2", "--limit-train", "128", "--batch-size", "32", "--log-interval", "2",
                    "--out", str(tmp_path)])
    steps = res["steps"]
    assert len(steps) == 8
    for s in steps:
        assert all(np.isfinite(v) for v in s.values()), s
        assert 0 < s["D_x"] < 1 and 0 < s["D_G_z1"] < 1 and 0 < s["D_G_z2"] < 1
    # the discriminator learns first: real digits score above fakes, and its loss falls
    assert steps[-1]["D_x"] > steps[-1]["D_G_z1"]
    assert steps[-1]["loss_D"] < steps[0]["loss_D"]
    assert "Loss_D:" in capsys.readouterr().out
    path = tmp_path / "fake_samples_epoch_001.png"
    assert res["sample"] == str(path)
    with Image.open(path) as im:
        assert (im.size, im.mode) == ((242, 242), "L")
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".tmp-")]


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit):
        gan.main(["--nz", "0"])
    assert "--nz must be positive, got 0" in capsys.readouterr().err


def test_one_iteration_matches_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    netG, netD, optG, optD = _nets(dtype_double=False, seed=4)
    tG = tnn.Sequential(tnn.ConvTranspose2d(8, 8, 7, 1, 0, bias=False), tnn.BatchNorm2d(8), tnn.ReLU(),
                        tnn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False), tnn.BatchNorm2d(4), tnn.ReLU(),
                        tnn.ConvTranspose2d(4, 1, 4, 2, 1, bias=False), tnn.Tanh())
    tD = tnn.Sequential(tnn.Conv2d(1, 4, 4, 2, 1, bias=False), tnn.LeakyReLU(0.2),
                        tnn.Conv2d(4, 8, 4, 2, 1, bias=False), tnn.BatchNorm2d(8), tnn.LeakyReLU(0.2),
                        tnn.Conv2d(8, 1, 7, 1, 0, bias=False), tnn.Sigmoid())
    for ours, theirs in ((netG, tG), (netD, tD)):
        state = {k[len("main."):]: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()}
        result = theirs.load_state_dict(state, strict=False)
        assert not result.unexpected_keys and all(k.endswith("num_batches_tracked") for k in result.missing_keys)
    rng = np.random.default_rng(2)
    real = rng.uniform(-1, 1, (6, 1, 28, 28)).astype(np.float32)
    noise = rng.normal(size=(6, 8, 1, 1)).astype(np.float32)
    ours = gan.train_step(netG, netD, optG, optD, nn.BCELoss(), engine.tensor(real), engine.tensor(noise))

    topt_d = torch.optim.Adam(tD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    topt_g = torch.optim.Adam(tG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = tnn.BCELoss()
    fake = tG(torch.from_numpy(noise))
    tD.zero_grad()
    err_real = bce(tD(torch.from_numpy(real)).view(-1), torch.ones(6))
    err_real.backward()
    err_fake = bce(tD(fake.detach()).view(-1), torch.zeros(6))
    err_fake.backward()
    topt_d.step()
    tG.zero_grad()
    err_g = bce(tD(fake).view(-1), torch.ones(6))
    err_g.backward()
    topt_g.step()

    assert ours["loss_D"] == pytest.approx((err_real + err_fake).item(), rel=1e-5)
    assert ours["loss_G"] == pytest.approx(err_g.item(), rel=1e-5)
    np.testing.assert_allclose(netG.main[0].weight.grad.numpy(), tG[0].weight.grad.numpy(), rtol=1e-3, atol=1e-7)
    for ours_p, theirs_p in zip(list(netG.parameters()) + list(netD.parameters()),
                                list(tG.parameters()) + list(tD.parameters())):
        np.testing.assert_allclose(ours_p.numpy(), theirs_p.detach().numpy(), rtol=1e-4, atol=1e-6)
