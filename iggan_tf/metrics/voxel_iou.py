"""Voxel IoU distance (1 - intersection over union of occupied voxels) as a pairwise matrix over two
sets of shapes: a second distance for COV, MMD and 1-NNA that, unlike Chamfer, also sees the inside."""

import numpy as np

from iggan_tf.geometry.meshing import check_binary_voxels


def _packed_words(grids: np.ndarray) -> np.ndarray:
    """[B, N, N, N] bool -> [B, W] uint64 bit words, so that intersections are popcounts of ANDs."""
    packed = np.packbits(grids.reshape(len(grids), -1), axis=1)
    packed = np.pad(packed, ((0, 0), (0, -packed.shape[1] % 8)))
    return np.ascontiguousarray(packed).view(np.uint64)


def voxel_iou_distance_matrix(voxels_a, voxels_b=None) -> np.ndarray:
    """1 - |A_i & B_j| / |A_i | B_j| for grids `voxels_a` [M, N, N, N] and `voxels_b` [K, N, N, N].

    Omit `voxels_b` to compare a set with itself. Two empty grids are identical (distance 0); an
    empty and a non-empty grid are at distance 1. Returns float64 [M, K]. Bit-packed grids keep the
    memory at N^3 / 8 bytes per shape (a float matrix product would need 32 times that).
    """
    grids_a = check_binary_voxels(voxels_a, "voxels_a")
    grids_b = grids_a if voxels_b is None else check_binary_voxels(voxels_b, "voxels_b")
    if grids_a.shape[1:] != grids_b.shape[1:]:
        raise ValueError(f"voxels_b has grids of shape {grids_b.shape[1:]} but voxels_a has {grids_a.shape[1:]}")
    words_a = _packed_words(grids_a)
    words_b = words_a if voxels_b is None else _packed_words(grids_b)
    intersections = np.stack(
        [np.bitwise_count(row & words_b).sum(axis=1, dtype=np.int64) for row in words_a]
    ).astype(np.float64)
    volumes_a = np.bitwise_count(words_a).sum(axis=1, dtype=np.int64).astype(np.float64)
    volumes_b = np.bitwise_count(words_b).sum(axis=1, dtype=np.int64).astype(np.float64)
    unions = volumes_a[:, None] + volumes_b[None, :] - intersections
    iou = np.divide(intersections, unions, out=np.ones_like(intersections), where=unions > 0)
    return 1.0 - iou
