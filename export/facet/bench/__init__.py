"""`facet bench`: PyTorch forward timings of the exported graphs, and the bench-only naive graph."""
