"""engine.viz: DOT text that Graphviz accepts, and render() to SVG/PNG through the `dot` program."""
import os
import shutil
import subprocess

import pytest

import engine
from engine import tensor

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


def _graph():
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor([[1.0, 0.0], [0.5, 2.0]], requires_grad=True)
    return ((w @ x).exp() * x).sum()


def test_to_dot_quotes_every_name():
    dot = engine.viz.to_dot(_graph())
    assert dot.startswith('digraph "graph" {')
    assert '"n0" [shape=box' in dot and 'label="MatMul"' in dot
    assert 'label="leaf\\n(2, 2)\\nfloat32"' in dot
    assert engine.viz.to_dot(_graph(), name='my "net"').startswith('digraph "my \\"net\\"" {')


def test_to_dot_of_a_tensor_without_graph():
    assert engine.viz.to_dot(tensor([1.0])).count("->") == 0


@needs_dot
@pytest.mark.parametrize("name", ["graph", "node", 'a "quoted" name'])
def test_dot_program_accepts_to_dot(name):
    done = subprocess.run(["dot", "-Tsvg"], input=engine.viz.to_dot(_graph(), name).encode(), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    svg = done.stdout.decode()
    assert "<svg" in svg and "MatMul" in svg and "Exp" in svg and "Sum" in svg


@needs_dot
def test_render_svg_and_png(tmp_path):
    y = _graph()
    svg = engine.viz.render(y, tmp_path / "g.svg")
    text = open(svg, encoding="utf-8").read()
    assert "<svg" in text and "MatMul" in text
    png = engine.viz.render(y, str(tmp_path / "g.png"))
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(tmp_path)) == ["g.png", "g.svg"]  # no temporary file left behind


def test_render_dot_text_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    out = engine.viz.render(_graph(), tmp_path / "g.dot")
    assert open(out, encoding="utf-8").read().startswith('digraph "graph" {')


def test_render_without_dot_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="Graphviz 'dot' program is not on the PATH"):
        engine.viz.render(_graph(), tmp_path / "g.svg")
    assert os.listdir(tmp_path) == []


def test_render_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"cannot tell the format of .*g\.jpeg.*\.png"):
        engine.viz.render(_graph(), tmp_path / "g.jpeg")
