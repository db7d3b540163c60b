"""The camera convention (CNeRF's), written once; see docs/camera.md.

A camera sits on a sphere of radius `radius` around the origin at
(cos(pitch) sin(yaw), sin(pitch), cos(pitch) cos(yaw)) * radius, looks at the origin with +y up.
Camera space is OpenGL-like: x right, y up, the camera looks along -z. `fov_deg` is the full
vertical field of view; pixel (col i, row j) has its centre at (i + 0.5, j + 0.5), row 0 at the top.
Rays are sampled for t in [near, far]. The networks read points scaled by 2 / (far - near).

The TypeScript mirror is src/kernels/camera.ts; e2e/fixtures/camera-cases.json (written by
`facet camera-fixture`) is checked by both test suites.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class CameraSpec:
    """Intrinsics and the allowed pose range of a model's camera (manifest `camera`)."""

    fov_deg: float = 12.0
    radius: float = 1.0
    near: float = 0.88
    far: float = 1.12
    yaw_range_deg: tuple[float, float] = (-60.0, 60.0)
    pitch_range_deg: tuple[float, float] = (-25.0, 25.0)

    @property
    def coord_scale(self) -> float:
        """World point -> network input multiplier."""
        return 2.0 / (self.far - self.near)

    def to_json(self) -> dict:
        d = asdict(self)
        d["convention"] = "cnerf"
        d["up"] = [0.0, 1.0, 0.0]
        d["coord_scale"] = self.coord_scale
        d["yaw_range_deg"] = list(self.yaw_range_deg)
        d["pitch_range_deg"] = list(self.pitch_range_deg)
        return d


def camera_position(yaw: float, pitch: float, radius: float = 1.0) -> Tensor:
    """Camera centre for a pose in radians: shape [3]."""
    return torch.tensor(
        [math.cos(pitch) * math.sin(yaw), math.sin(pitch), math.cos(pitch) * math.cos(yaw)],
        dtype=torch.float64,
    ) * radius


def look_at(position: Tensor) -> Tensor:
    """Camera-to-world matrix [4, 4] (columns: x, y, z axes and centre) looking at the origin."""
    z = position / position.norm()
    up = torch.tensor([0.0, 1.0, 0.0], dtype=position.dtype)
    x = torch.linalg.cross(up, z)
    x = x / x.norm()
    y = torch.linalg.cross(z, x)
    m = torch.eye(4, dtype=position.dtype)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = x, y, z, position
    return m


def cam2world(yaw: float, pitch: float, radius: float = 1.0) -> Tensor:
    return look_at(camera_position(yaw, pitch, radius))


def camera_dirs(width: int, height: int, fov_deg: float) -> Tensor:
    """Unit ray directions in camera space, [height * width, 3], row-major from the top-left."""
    t = math.tan(math.radians(fov_deg) / 2)
    aspect = width / height
    i = (torch.arange(width, dtype=torch.float64) + 0.5) / width * 2 - 1
    j = (torch.arange(height, dtype=torch.float64) + 0.5) / height * 2 - 1
    jj, ii = torch.meshgrid(j, i, indexing="ij")
    d = torch.stack([ii * t * aspect, -jj * t, -torch.ones_like(ii)], dim=-1).reshape(-1, 3)
    return d / d.norm(dim=-1, keepdim=True)


def pixel_rays(c2w: Tensor, width: int, height: int, fov_deg: float) -> tuple[Tensor, Tensor]:
    """World-space ray origins and unit directions, each [height * width, 3] (float64)."""
    d_cam = camera_dirs(width, height, fov_deg)
    dirs = d_cam @ c2w[:3, :3].T
    origins = c2w[:3, 3].expand_as(dirs).clone()
    return origins, dirs


def rays_for_pose(spec: CameraSpec, yaw: float, pitch: float, width: int, height: int,
                  fov_deg: float | None = None) -> tuple[Tensor, Tensor]:
    """float32 rays for a pose in radians, ready for a graph's `ray_origins`/`ray_dirs`."""
    o, d = pixel_rays(cam2world(yaw, pitch, spec.radius), width, height, fov_deg or spec.fov_deg)
    return o.float(), d.float()
