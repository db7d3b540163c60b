"""Evaluation against the synthetic world's ground truth: `facet eval`."""
