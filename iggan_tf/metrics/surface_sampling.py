"""Point clouds on the surfaces of voxel shapes, for Chamfer distances. The surface is the same
marching-cubes mesh the renderer draws (iggan_tf.geometry.meshing), so generated and ground-truth
shapes are compared on what is actually shown."""

import numpy as np
import trimesh

from iggan_tf.geometry.meshing import check_binary_voxels, mesh_from_voxels


def sample_surface_points(
    voxels, points_per_shape: int = 2048, seed: int | np.random.SeedSequence = 0
) -> list[np.ndarray]:
    """Samples points uniformly by area on the mesh of each grid in `voxels` [B, N, N, N].

    Returns B float32 arrays [points_per_shape, 3] in world coordinates; an empty grid has no surface
    and gives an array [0, 3]. Shape i draws from its own stream spawned from `seed` (an integer or a
    SeedSequence), so its points do not depend on the other shapes in the batch.
    """
    grids = check_binary_voxels(voxels, "voxels")
    is_integer = isinstance(points_per_shape, (int, np.integer)) and not isinstance(points_per_shape, bool)
    if not is_integer or points_per_shape < 1:
        raise ValueError(f"points_per_shape must be a positive integer, got {points_per_shape!r}")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    streams = root.spawn(len(grids))
    clouds = []
    for grid, stream in zip(grids, streams):
        vertices, faces, _ = mesh_from_voxels(grid)
        if len(faces) == 0:
            clouds.append(np.zeros((0, 3), np.float32))
            continue
        mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
        points, _ = trimesh.sample.sample_surface(mesh, int(points_per_shape), seed=np.random.default_rng(stream))
        clouds.append(points.astype(np.float32))
    return clouds
