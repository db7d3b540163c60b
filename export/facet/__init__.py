"""Facet's export package: the compositional generator, its synthetic world, training and ONNX export."""

__version__ = "0.1.0"
