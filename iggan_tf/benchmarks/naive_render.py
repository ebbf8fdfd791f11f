"""The naive reference for the render benchmark: a new pyrender renderer per image, one box per voxel.

This is how voxels are often first drawn with pyrender (and the paper's starting point): no marching cubes,
no persistent GL context. Same camera; pyrender's own per-pixel lights in the paper's directions. Runs as
`python -m iggan_tf.benchmarks.naive_render ...` in its own process, since it imports pyrender, and prints
one JSON line {"renders_per_second": ..., "images": ...}.
"""

import argparse
import json
import os
import time

import numpy as np

from iggan_tf.benchmarks.benchmark_shapes import SOURCES, benchmark_voxels
from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH, light_directions_in_camera, world_to_camera

_CAMERA_DISTANCE = 2.0


def _pose(rotation_columns: np.ndarray, position: np.ndarray) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, :3] = rotation_columns
    pose[:3, 3] = position
    return pose


def render_naively(grid: np.ndarray, azimuth: float, elevation: float, image_size: int) -> np.ndarray:
    """One gray image uint8 [S, S] of a binary grid [N, N, N], drawn from scratch."""
    import pyrender
    import trimesh

    size = grid.shape[0]
    right, up, forward = world_to_camera([azimuth], [elevation])[0]
    camera_axes = np.stack([right, up, -forward], axis=1)  # pyrender cameras look down their -z
    scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=(0.02, 0.02, 0.02))
    camera = pyrender.OrthographicCamera(
        xmag=VIEW_HALF_WIDTH, ymag=VIEW_HALF_WIDTH, znear=_CAMERA_DISTANCE - 1.0, zfar=_CAMERA_DISTANCE + 1.0
    )
    scene.add(camera, pose=_pose(camera_axes, -forward * _CAMERA_DISTANCE))
    for direction in light_directions_in_camera():
        towards_light = camera_axes @ direction  # a directional light shines down its pose's -z
        side = np.cross(up, towards_light)
        side /= np.linalg.norm(side)
        light_axes = np.stack([side, np.cross(towards_light, side), towards_light], axis=1)
        scene.add(pyrender.DirectionalLight(intensity=2.0), pose=_pose(light_axes, np.zeros(3)))
    centres = (np.argwhere(grid) + 0.5) / size - 0.5
    if len(centres):
        poses = np.tile(np.eye(4), (len(centres), 1, 1))
        poses[:, :3, 3] = centres
        box = trimesh.creation.box(extents=(1.0 / size,) * 3)
        scene.add(pyrender.Mesh.from_trimesh(box, poses=poses, smooth=False))
    renderer = pyrender.OffscreenRenderer(image_size, image_size)
    try:
        color, _ = renderer.render(scene)
    finally:
        renderer.delete()
    return color[..., 0]


def measure(source: str, count: int, voxel_size: int, image_size: int, seed: int) -> dict:
    grids = benchmark_voxels(source, count, voxel_size, seed)
    rng = np.random.default_rng(seed)
    azimuth = rng.uniform(0.0, 360.0, count)
    elevation = rng.uniform(-30.0, 60.0, count)
    start = time.perf_counter()
    for grid, view_azimuth, view_elevation in zip(grids, azimuth, elevation):
        render_naively(grid, view_azimuth, view_elevation, image_size)
    return {"renders_per_second": count / (time.perf_counter() - start), "images": count}


def main() -> None:
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", choices=SOURCES, default="blobs")
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--voxel_size", type=int, default=64)
    parser.add_argument("--image_size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    figures = measure(arguments.source, arguments.count, arguments.voxel_size, arguments.image_size, arguments.seed)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
