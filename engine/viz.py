"""``to_dot``: the computation graph behind a tensor as Graphviz DOT text, drawn as the course draws
it — boxes for operations, ellipses for tensors (shape and dtype), arrows in the forward direction.

Render with ``dot -Tpng graph.dot -o graph.png`` where Graphviz is installed; the text itself needs
nothing.
"""
from __future__ import annotations

__all__ = ["to_dot"]


def _label(shape, dtype) -> str:
    return f"{tuple(shape)}\\n{dtype}"


def to_dot(tensor, name: str = "graph") -> str:
    """DOT text for the graph that produced ``tensor`` (walked iteratively, each node once)."""
    lines = [f"digraph {name} {{", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    out_id = "t_out"
    lines.append(f'  {out_id} [shape=ellipse, style=filled, fillcolor="#ffe9a8", label="{_label(tensor.shape, tensor.dtype)}"];')
    root = tensor._creator if tensor._creator is not None else (tensor._acc if tensor.requires_grad else None)
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
    lines.append(f"  {node_id(root)} -> {out_id};")
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nid = node_id(node)
        if node.is_accumulator:
            leaf = node.variable
            lab = _label(leaf.shape, leaf.dtype) if leaf is not None else "leaf (freed)"
            lines.append(f'  {nid} [shape=ellipse, style=filled, fillcolor="#cde8ff", label="leaf\\n{lab}"];')
            continue
        lines.append(f'  {nid} [shape=box, style=filled, fillcolor="#e8e8e8", label="{node.name()}"];')
        for k, edge in enumerate(node.next_edges):
            if edge is None:
                continue
            parent, slot = edge
            shape, dtype = node.input_meta[k]
            tid = f"{node_id(parent)}_{slot}"
            if not parent.is_accumulator:
                lines.append(f'  {tid} [shape=ellipse, label="{_label(shape, dtype)}"];')
                lines.append(f"  {node_id(parent)} -> {tid};")
                lines.append(f"  {tid} -> {nid};")
            else:
                lines.append(f"  {node_id(parent)} -> {nid};")
            stack.append(parent)
    lines.append("}")
    return "\n".join(dict.fromkeys(lines))  # keep order, drop repeated edges
