"""``engine.onnx``: export a Kiln model to ONNX, shaped like ``torch.onnx.export``::

    engine.onnx.export(model, x, "model.onnx", input_names=["x"], output_names=["logits"],
                       dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})

The exporter traces one forward pass through the graph Kiln records (no second implementation of any
layer), maps every Function node to ONNX nodes and stores parameters and buffers as initializers
under their state-dict names; see ``export``.  It needs the ``onnx`` package (the ``kiln[onnx]``
extra), imported only when ``export`` runs.
"""
from ._graph import CONVERTERS, OnnxExportError, UnsupportedOperatorError
from .export import DEFAULT_OPSET, export

__all__ = ["export", "OnnxExportError", "UnsupportedOperatorError", "CONVERTERS", "DEFAULT_OPSET"]
