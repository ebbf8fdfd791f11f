"""Binary voxel grids to benchmark rendering on: generated-like blobs, or voxelized procedural shapes.

Blobs are smooth random fields thresholded inside a ball, lumpy and pitted like a GAN's samples, whose
surfaces carry more triangles than the flat faces of furniture: the harder case for the renderer.
"""

import numpy as np
from scipy import ndimage

SOURCES = ("blobs", "procedural")
# Coarse lattice of the random field: a few lobes per shape.
_LOBE_LATTICE = 5


def generated_like_voxels(count: int, size: int, seed: int) -> np.ndarray:
    """bool [count, size, size, size]: thresholded smooth noise (lobes plus fine ripples) inside a ball."""
    rng = np.random.default_rng(seed)
    centres = (np.arange(size) + 0.5) / size - 0.5
    x, y, z = np.meshgrid(centres, centres, centres, indexing="ij")
    ball = 1.0 - (np.sqrt(x**2 + y**2 + z**2) / 0.45) ** 2
    grids = []
    for _ in range(count):
        lobes = ndimage.zoom(rng.standard_normal((_LOBE_LATTICE,) * 3), size / _LOBE_LATTICE, order=3)
        ripples = ndimage.gaussian_filter(rng.standard_normal((size,) * 3), 1.0)
        grids.append(lobes + 0.4 * ripples + 2.0 * ball - 1.0 > 0.0)
    return np.stack(grids)


def procedural_voxels(count: int, size: int, seed: int) -> np.ndarray:
    """bool [count, size, size, size]: the procedural classes in turn, voxelized."""
    from iggan_tf.geometry.voxelization import voxelize
    from iggan_tf.shapes import CLASS_NAMES, make_shape

    classes = [CLASS_NAMES[index % len(CLASS_NAMES)] for index in range(count)]
    return np.stack([voxelize(make_shape(name, seed + index), size) for index, name in enumerate(classes)])


def benchmark_voxels(source: str, count: int, size: int, seed: int) -> np.ndarray:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    return (generated_like_voxels if source == "blobs" else procedural_voxels)(count, size, seed)
