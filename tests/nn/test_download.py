"""download=True against a local HTTP server on 127.0.0.1 (never a real host): MD5 checks, a wrong
MD5 refused and not kept, a broken transfer resumed with an HTTP Range request, atomic publication,
mirror fallback, a clear message without network, and every dataset's download path end to end."""
import hashlib
import http.server
import socket
import threading
import time

import numpy as np
import pytest

from nn.data import datasets
from nn.data.download import DownloadError, download_file, download_resource
from nn.data.mnist import IDXError

from .test_datasets import cifar10_files, cifar_records, emnist_zip, mnist_files, tar_gz


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        data = srv.files.get(self.path.lstrip("/"))
        if data is None:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and srv.honour_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = srv.cut_after.pop(self.path.lstrip("/"), None)
        self.wfile.write(body if cut is None else body[:cut])  # a cut transfer: fewer bytes than announced
        if cut is not None and srv.stall:
            self.wfile.flush()
            time.sleep(srv.stall)  # a server gone silent mid-transfer
        srv.served += len(body) if cut is None else cut


@pytest.fixture
def server():
    """A threaded HTTP server on 127.0.0.1 serving ``server.files``; it stops at teardown, or by
    itself after 60 s whatever happens."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.files, srv.requests, srv.cut_after, srv.served, srv.honour_range, srv.stall = {}, [], {}, 0, True, 0
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}/"
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    watchdog = threading.Timer(60.0, srv.shutdown)
    watchdog.daemon = True
    watchdog.start()
    yield srv
    watchdog.cancel()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def md5(data):
    return hashlib.md5(data).hexdigest()


def test_download_checks_md5_and_publishes_atomically(server, tmp_path):
    data = np.random.default_rng(0).bytes(200_000)
    server.files["blob.bin"] = data
    out = download_file(server.url + "blob.bin", tmp_path / "blob.bin", md5(data))
    assert out.read_bytes() == data and not (tmp_path / "blob.bin.part").exists()
    with pytest.raises(DownloadError, match=r"blob.bin: MD5 mismatch for other.bin: expected 0{32}, got "
                       + md5(data) + "; the download was discarded"):
        download_file(server.url + "blob.bin", tmp_path / "other.bin", "0" * 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob.bin"]  # nothing of the bad download kept
    with pytest.raises(DownloadError, match=r"missing.bin: HTTP 404"):
        download_file(server.url + "missing.bin", tmp_path / "missing.bin")


def test_broken_transfer_is_resumed_with_a_range_request(server, tmp_path):
    data = np.random.default_rng(1).bytes(300_000)
    server.files["big.bin"] = data
    server.cut_after["big.bin"] = 120_000
    target = tmp_path / "big.bin"
    with pytest.raises(DownloadError, match=r"interrupted after 120000 bytes .*big.bin.part is kept"):
        download_file(server.url + "big.bin", target, md5(data), timeout=5)
    assert not target.exists() and (tmp_path / "big.bin.part").stat().st_size == 120_000
    server.served = 0
    download_file(server.url + "big.bin", target, md5(data), timeout=5)
    assert target.read_bytes() == data
    assert server.requests[-1] == ("/big.bin", "bytes=120000-") and server.served == 180_000


def test_silent_server_times_out_and_the_part_is_resumed(server, tmp_path):
    data = np.random.default_rng(3).bytes(100_000)
    server.files["slow.bin"] = data
    server.cut_after["slow.bin"], server.stall = 30_000, 1.0
    with pytest.raises(DownloadError, match=r"slow.bin: interrupted after 30000 bytes \(TimeoutError"):
        download_file(server.url + "slow.bin", tmp_path / "slow.bin", md5(data), timeout=0.3)
    download_file(server.url + "slow.bin", tmp_path / "slow.bin", md5(data), timeout=5)
    assert (tmp_path / "slow.bin").read_bytes() == data and server.requests[-1][1] == "bytes=30000-"


def test_server_ignoring_range_restarts_and_whole_part_is_finished(server, tmp_path):
    data = np.random.default_rng(2).bytes(50_000)
    server.files["f.bin"] = data
    (tmp_path / "f.bin.part").write_bytes(b"garbage that is not the start of the file")
    server.honour_range = False
    download_file(server.url + "f.bin", tmp_path / "f.bin", md5(data))
    assert (tmp_path / "f.bin").read_bytes() == data
    server.honour_range = True
    (tmp_path / "g.bin.part").write_bytes(data)  # complete already: the server answers 416
    server.files["g.bin"] = data
    download_file(server.url + "g.bin", tmp_path / "g.bin", md5(data))
    assert (tmp_path / "g.bin").read_bytes() == data and server.requests[-1][1] == "bytes=50000-"


def _closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_no_network_message_and_mirror_fallback(server, tmp_path):
    dead = _closed_port_url()
    with pytest.raises(DownloadError, match=r"(?s)MNIST: could not download x.gz; tried:\n  http://127.0.0.1:\d+/x.gz: "
                       r"could not connect .*Is there a network connection.*place x.gz in .* by hand"):
        download_resource([dead], "x.gz", None, tmp_path, "MNIST", timeout=5)
    server.files["x.gz"] = b"payload"
    path = download_resource([dead, server.url], "x.gz", md5(b"payload"), tmp_path, "MNIST", timeout=5)
    assert path.read_bytes() == b"payload"
    n = len(server.requests)
    download_resource([server.url], "x.gz", md5(b"payload"), tmp_path, "MNIST")  # present with the right MD5
    assert len(server.requests) == n


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_mnist_family_download(server, tmp_path, monkeypatch, cls):
    files, arrays = mnist_files(seed=3)
    server.files.update(files)
    monkeypatch.setattr(cls, "mirrors", [_closed_port_url(), server.url])
    monkeypatch.setattr(cls, "resources", [(name, md5(data)) for name, data in files.items()])
    ds = cls(tmp_path / "data", train=True, download=True)
    np.testing.assert_array_equal(ds.data, arrays["train"][0])
    assert sorted(p.name for p in (tmp_path / "data" / cls.__name__ / "raw").iterdir()) == sorted(files)
    damaged = tmp_path / "data" / cls.__name__ / "raw" / "t10k-labels-idx1-ubyte.gz"
    damaged.write_bytes(b"damaged")
    with pytest.raises(IDXError, match=r"t10k-labels-idx1-ubyte.gz: bad magic number .*delete the damaged file and "
                       r"pass download=True"):
        cls(tmp_path / "data", train=False, download=True)  # files present: used as they are (torchvision's rule)
    damaged.unlink()
    n = len(server.requests)
    ds = cls(tmp_path / "data", train=False, download=True)
    np.testing.assert_array_equal(ds.targets, arrays["test"][1])
    assert server.requests[n:] == [("/t10k-labels-idx1-ubyte.gz", None)]  # the others kept: their MD5 matches


def test_mnist_download_with_a_wrong_md5_keeps_nothing(server, tmp_path, monkeypatch):
    files, _ = mnist_files()
    server.files.update(files)
    monkeypatch.setattr(datasets.MNIST, "mirrors", [server.url])
    with pytest.raises(DownloadError, match=r"MD5 mismatch for train-images-idx3-ubyte.gz: expected "
                       r"f68b3c2dcbeaaa9fbdd348bbdeb94873"):
        datasets.MNIST(tmp_path, download=True)  # the real MD5s against the generated files
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []


def test_emnist_download_extracts_the_zip(server, tmp_path, monkeypatch):
    files, arrays = mnist_files(prefix="emnist-digits")
    archive = emnist_zip({**files, "../evil.gz": b"x", "README": b"y"})
    server.files["gzip.zip"] = archive
    monkeypatch.setattr(datasets.EMNIST, "mirrors", [server.url])
    monkeypatch.setattr(datasets.EMNIST, "md5", md5(archive))
    ds = datasets.EMNIST(tmp_path, split="digits", train=False, download=True)
    np.testing.assert_array_equal(ds.data, arrays["test"][0])
    raw = sorted(p.name for p in (tmp_path / "EMNIST" / "raw").iterdir())
    assert raw == sorted(list(files) + ["gzip.zip"])
    assert not (tmp_path / "EMNIST" / "evil.gz").exists()
    with pytest.raises(DownloadError, match="MD5 mismatch for gzip.zip"):
        monkeypatch.setattr(datasets.EMNIST, "md5", "1" * 32)
        datasets.EMNIST(tmp_path / "other", split="digits", download=True)


def test_cifar_downloads_extract_only_the_known_members(server, tmp_path, monkeypatch):
    files, arrays = cifar10_files()
    archive = tar_gz("cifar-10-batches-bin", {**files, "../../escape.bin": b"x"})
    server.files["cifar-10-binary.tar.gz"] = archive
    monkeypatch.setattr(datasets.CIFAR10, "mirrors", [server.url])
    monkeypatch.setattr(datasets.CIFAR10, "archive", ("cifar-10-binary.tar.gz", md5(archive)))
    ds = datasets.CIFAR10(tmp_path, train=False, download=True)
    np.testing.assert_array_equal(ds.data, arrays["test_batch.bin"][0].transpose(0, 2, 3, 1))
    assert sorted(p.name for p in (tmp_path / "cifar-10-batches-bin").iterdir()) == sorted(files)
    assert not (tmp_path / "escape.bin").exists() and not (tmp_path.parent / "escape.bin").exists()
    raw, images, labels = cifar_records(2, 2)
    archive100 = tar_gz("cifar-100-binary", {"train.bin": raw, "test.bin": raw})
    server.files["cifar-100-binary.tar.gz"] = archive100
    monkeypatch.setattr(datasets.CIFAR100, "archive", ("cifar-100-binary.tar.gz", md5(archive100)))
    ds = datasets.CIFAR100(tmp_path, download=True)
    np.testing.assert_array_equal(ds.targets, labels[:, 1])
    monkeypatch.setattr(datasets.CIFAR10, "archive", ("cifar-10-binary.tar.gz", "2" * 32))
    with pytest.raises(DownloadError, match=r"CIFAR10: could not download cifar-10-binary.tar.gz"):
        datasets.CIFAR10(tmp_path / "fresh", download=True)
    assert not (tmp_path / "fresh" / "cifar-10-binary.tar.gz").exists()
