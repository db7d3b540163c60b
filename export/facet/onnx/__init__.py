"""ONNX export of the generator's graphs (mapping, bake, bake_base, final) and their manifest."""
