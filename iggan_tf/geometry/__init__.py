"""Geometry: cameras, the view transform, binarization, voxelization and meshing (DESIGN section 2).

The numpy parts are imported eagerly; the TensorFlow parts (`view_transform`, `camera_rotation`, `binarize`,
`sample_thresholds`) load on first use, so that render workers can import this package without TensorFlow.
"""

import importlib

from iggan_tf.geometry.cameras import (
    FULL_TURN_HIGH,
    FULL_TURN_WIDE,
    LIMITED_VIEWPOINT,
    VIEW_HALF_WIDTH,
    ViewRange,
    camera_direction,
    check_angles,
    light_directions_in_camera,
    world_to_camera,
)
from iggan_tf.geometry.meshing import check_binary_voxels, mesh_from_voxels, voxels_to_trimesh
from iggan_tf.geometry.voxelization import normalize_mesh, voxelize

# No name here may equal a submodule's: importing a submodule binds its name on this package.
_LAZY_TENSORFLOW_ATTRIBUTES = {
    "view_transform": "iggan_tf.geometry.view_grid",
    "camera_rotation": "iggan_tf.geometry.view_grid",
    "binarize": "iggan_tf.geometry.binarization",
    "sample_thresholds": "iggan_tf.geometry.binarization",
}


def __getattr__(name):
    if name in _LAZY_TENSORFLOW_ATTRIBUTES:
        return getattr(importlib.import_module(_LAZY_TENSORFLOW_ATTRIBUTES[name]), name)
    raise AttributeError(f"module 'iggan_tf.geometry' has no attribute {name!r}")
