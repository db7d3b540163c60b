"""Facet's synthetic portrait world: procedural SDF heads, their parameters and a sphere tracer.

See docs/synthetic-world.md. Public API:
  params.sample_params, params_to_latent, latent_to_params, param_spec_json, PARAM_SPEC
  sdf.region_sdf, sdf.radiance
  render.render, render.sample_points
"""
from facet.world.params import (PARAM_SPEC, Params, latent_to_params, named, param_spec_json,
                                params_to_latent, sample_params)
from facet.world.render import render, sample_points
from facet.world.sdf import radiance, region_sdf

__all__ = ["PARAM_SPEC", "Params", "latent_to_params", "named", "param_spec_json",
           "params_to_latent", "sample_params", "render", "sample_points", "radiance", "region_sdf"]
