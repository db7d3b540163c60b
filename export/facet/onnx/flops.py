"""Multiply-adds of an ONNX graph at its declared (fixed) shapes: MatMul, Gemm and Conv nodes.

Elementwise ops (sin, exp, adds) are not counted: MACs is the usual unit for these networks and
they are a small share of the work here.
"""
from __future__ import annotations

from math import prod
from pathlib import Path

import onnx
from onnx import shape_inference


def _shapes(model: onnx.ModelProto) -> dict[str, list[int]]:
    inferred = shape_inference.infer_shapes(model)
    shapes = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    for t in inferred.graph.initializer:
        shapes[t.name] = list(t.dims)
    return shapes


def graph_macs(path: Path | str) -> int:
    model = onnx.load(str(path))
    shapes = _shapes(model)
    total = 0
    for node in model.graph.node:
        if node.op_type == "MatMul":
            a, b = shapes.get(node.input[0]), shapes.get(node.input[1])
            out = shapes.get(node.output[0])
            if not a or not b or not out or 0 in out:
                raise ValueError(f"{path}: cannot infer shapes of MatMul {node.name}")
            total += prod(out) * a[-1]
        elif node.op_type == "Gemm":
            a, out = shapes[node.input[0]], shapes[node.output[0]]
            trans_a = next((at.i for at in node.attribute if at.name == "transA"), 0)
            total += prod(out) * (a[0] if trans_a else a[-1])
        elif node.op_type == "Conv":
            w, out = shapes[node.input[1]], shapes[node.output[0]]
            total += prod(out) * prod(w[1:])
    return total
