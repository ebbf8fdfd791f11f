"""The lighting of every renderer: directional lights fixed to the camera plus an ambient term (paper 4.2).

Each renderer turns a Lighting into its own lights (pyrender's DirectionalLights, Blender's suns). The fast
`pyrender_unlit` renderer instead evaluates Lambertian reflectance itself at the mesh vertices
(`vertex_brightness`), interpolated across each triangle by OpenGL. Pure numpy, sent to the workers pickled.
"""

import dataclasses

import numpy as np

from iggan_tf.geometry.cameras import light_directions_in_camera

DEFAULT_LIGHT_INTENSITY = 0.5
# Ambient light keeps every visible surface above zero, so that the silhouette is `image > 0`.
DEFAULT_AMBIENT = 0.1


@dataclasses.dataclass(frozen=True)
class Lighting:
    """Lights as directions [L, 3] in the camera frame (right, up, towards the camera) from which they
    shine, each with `intensity`, plus `ambient`. A surface facing one light head-on has brightness
    `ambient + intensity`; sums are clipped to 1. The default is the paper's pair of lights."""

    directions: tuple = tuple(map(tuple, light_directions_in_camera()))
    intensity: float = DEFAULT_LIGHT_INTENSITY
    ambient: float = DEFAULT_AMBIENT

    def __post_init__(self):
        directions = np.asarray(self.directions, dtype=np.float64)
        if directions.ndim != 2 or directions.shape[1] != 3:
            raise ValueError(f"lights must be directions of shape [L, 3], got shape {directions.shape}")
        norms = np.linalg.norm(directions, axis=1)
        if not np.all(np.isfinite(directions)) or np.any(norms == 0.0):
            raise ValueError("lights must be finite, non-zero directions")
        unit = directions / norms[:, np.newaxis]
        object.__setattr__(self, "directions", tuple(map(tuple, unit.tolist())))
        if not (np.isfinite(self.intensity) and self.intensity >= 0.0):
            raise ValueError(f"light_intensity must be finite and >= 0, got {self.intensity}")
        if not (np.isfinite(self.ambient) and 0.0 < self.ambient < 1.0):
            raise ValueError(
                "ambient must lie in (0, 1) so that every visible surface is brighter than the background, "
                f"got {self.ambient}"
            )

    def vertex_brightness(self, normals_in_camera: np.ndarray) -> np.ndarray:
        """Brightness float32 [V] in [ambient, 1] of vertices with unit normals [V, 3] in the camera frame."""
        directions = np.asarray(self.directions, dtype=np.float32).reshape(-1, 3)
        facing = np.maximum(normals_in_camera @ directions.T, 0.0).sum(axis=1)
        return np.minimum(self.ambient + self.intensity * facing, 1.0).astype(np.float32)
