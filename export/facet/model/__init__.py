"""The compositional generator in layers: fields (field.py), renderer (renderer.py), model (generator.py)."""
