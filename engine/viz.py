"""The computation graph behind a tensor as a picture: ``to_dot`` gives Graphviz DOT text, drawn as
the course draws it (boxes for operations, ellipses for tensors with their shape and dtype, arrows in
the forward direction); ``render`` turns it into an SVG, PNG or PDF file through Graphviz's ``dot``
program.

Every identifier and label is a quoted DOT string (``"graph"`` itself is a reserved word in DOT, so
``digraph graph {`` is rejected), so any graph name or op name is accepted by ``dot``.  The text
needs nothing installed; ``render`` needs ``dot`` on the PATH (``apt-get install graphviz``) and
says so when it is missing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

__all__ = ["to_dot", "render"]

#: file suffix -> Graphviz output format accepted by ``render``
RENDER_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def _quote(text) -> str:
    """A DOT quoted string; ``\\n`` sequences already in ``text`` stay line breaks."""
    return '"' + str(text).replace("\\", "\\\\").replace("\\\\n", "\\n").replace('"', '\\"') + '"'


def _label(shape, dtype) -> str:
    return f"{tuple(shape)}\\n{getattr(dtype, 'name', dtype)}"


def to_dot(tensor, name: str = "graph") -> str:
    """DOT text for the graph that produced ``tensor`` (walked iteratively, each node once)."""
    lines = [f"digraph {_quote(name)} {{", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    out_id = _quote("t_out")
    lines.append(f'  {out_id} [shape=ellipse, style=filled, fillcolor="#ffe9a8", '
                 f"label={_quote(_label(tensor.shape, tensor.dtype))}];")
    root = tensor._creator if tensor._creator is not None else (tensor._accumulator() if tensor.requires_grad else None)
    if root is None:
        lines.append("}")
        return "\n".join(lines)
    ids: dict = {}

    def node_id(node) -> str:
        if id(node) not in ids:
            ids[id(node)] = f"n{len(ids)}"
        return ids[id(node)]

    seen = set()
    stack = [root]
    lines.append(f"  {_quote(node_id(root))} -> {out_id};")
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nid = _quote(node_id(node))
        if node.is_accumulator:
            leaf = node.variable
            lab = "leaf\\n" + (_label(leaf.shape, leaf.dtype) if leaf is not None else "(freed)")
            lines.append(f'  {nid} [shape=ellipse, style=filled, fillcolor="#cde8ff", label={_quote(lab)}];')
            continue
        lines.append(f'  {nid} [shape=box, style=filled, fillcolor="#e8e8e8", label={_quote(node.name())}];')
        for k, edge in enumerate(node.next_edges):
            if edge is None:
                continue
            parent, slot = edge
            shape, dtype = node.input_meta[k]
            pid = _quote(node_id(parent))
            if not parent.is_accumulator:
                tid = _quote(f"{node_id(parent)}_{slot}")
                lines.append(f"  {tid} [shape=ellipse, label={_quote(_label(shape, dtype))}];")
                lines.append(f"  {pid} -> {tid};")
                lines.append(f"  {tid} -> {nid};")
            else:
                lines.append(f"  {pid} -> {nid};")
            stack.append(parent)
    lines.append("}")
    return "\n".join(dict.fromkeys(lines))  # keep order, drop repeated edges


def render(tensor, path, name: str = "graph") -> str:
    """Draw the graph behind ``tensor`` into ``path`` with Graphviz ``dot``; the suffix picks the format
    (``.svg``, ``.png``, ``.pdf``, or ``.dot``/``.gv`` for the text itself).  Returns ``path``.

    Raises ValueError for another suffix, RuntimeError when ``dot`` is not installed or fails.  The
    file appears whole or not at all (written next to ``path`` and renamed into place)."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    fmt = RENDER_FORMATS.get(suffix)
    if fmt is None:
        raise ValueError(f"engine.viz.render: cannot tell the format of {path!r} from its suffix; "
                         f"use one of {', '.join(sorted(RENDER_FORMATS))}")
    text = to_dot(tensor, name)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".kiln-viz-", suffix=suffix, dir=directory)
    os.close(fd)
    try:
        if fmt == "dot":
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text + "\n")
        else:
            dot = shutil.which("dot")
            if dot is None:
                raise RuntimeError(
                    f"engine.viz.render: cannot write {path!r}: the Graphviz 'dot' program is not on the PATH; "
                    "install Graphviz (e.g. `apt-get install graphviz`) or save engine.viz.to_dot(y) as a .dot file")
            done = subprocess.run([dot, f"-T{fmt}", "-o", tmp], input=text.encode("utf-8"), capture_output=True)
            if done.returncode != 0:
                raise RuntimeError(f"engine.viz.render: dot failed on the graph for {path!r} "
                                   f"(exit {done.returncode}): {done.stderr.decode(errors='replace').strip()}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
