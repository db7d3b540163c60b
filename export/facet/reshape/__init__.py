"""Paint to reshape: find a region's new shape code from a painted mask (docs/reshape.md).

`proxy` renders label maps from coarse grids, `search` is the derivative-free search over the
edited regions' shape z rows, `paint` the scripted edits of the benchmark, `bench` the
`facet reshape-bench` command. The app mirrors proxy and search in src/kernels/reshape.ts.
"""
