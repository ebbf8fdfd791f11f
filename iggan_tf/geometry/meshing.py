"""Binary voxel grids to triangle meshes by marching cubes on the zero-padded grid (DESIGN section 2).

Used by the render workers (generated shapes and dataset shapes alike) and by mesh export; numpy only.
"""

import numpy as np
import trimesh
from skimage import measure


def check_binary_voxels(voxels, name: str = "voxels") -> np.ndarray:
    """Returns `voxels` as a bool array [B, N, N, N] (a trailing channel of 1 is dropped).

    Raises ValueError naming `name` for a wrong rank, a non-cubic grid, a non-numeric dtype or values
    other than 0 and 1.
    """
    array = np.asarray(voxels)
    if array.ndim == 5:
        if array.shape[-1] != 1:
            raise ValueError(f"{name} must have one channel, got shape {array.shape}")
        array = array[..., 0]
    if array.ndim != 4:
        raise ValueError(f"{name} must have shape [B, N, N, N] or [B, N, N, N, 1], got shape {array.shape}")
    if not (array.shape[1] == array.shape[2] == array.shape[3]) or array.shape[1] < 2:
        raise ValueError(f"{name} must be a cubic grid of side >= 2, got shape {array.shape}")
    if array.dtype == bool:
        return array
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{name} must be bool or numeric, got dtype {array.dtype}")
    if not np.all((array == 0) | (array == 1)):
        raise ValueError(f"{name} must be binary (only 0 and 1); binarize continuous occupancy first")
    return array.astype(bool)


def mesh_from_voxels(voxels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Meshes one binary grid [N, N, N] spanning [-0.5, 0.5]^3.

    Returns (vertices [V, 3] float32 in world coordinates, faces [F, 3] int32, vertex normals [V, 3]
    float32 pointing outwards). An empty grid gives empty arrays. Marching cubes runs only on the
    occupied bounding box (plus the zero padding), which gives the same surface faster.
    """
    grid = np.asarray(voxels, dtype=bool)
    size = grid.shape[0]
    # Occupied index ranges per axis from projections: much cheaper than listing every occupied voxel.
    occupied = [np.flatnonzero(grid.any(axis=tuple(other for other in range(3) if other != axis))) for axis in range(3)]
    if occupied[0].size == 0:
        return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32), np.zeros((0, 3), np.float32)
    low = np.array([indices[0] for indices in occupied])
    high = np.array([indices[-1] + 1 for indices in occupied])
    crop = grid[low[0]:high[0], low[1]:high[1], low[2]:high[2]]
    padded = np.pad(crop, 1).astype(np.float32)
    # 'ascent' gives counter-clockwise faces seen from outside for our (x, y, z) axis order; skimage's
    # default assumes (z, y, x) and would wind every face inwards, so back-face culling drops the front.
    # On a binary grid every vertex is the midpoint of its own edge, so no face is degenerate and
    # skimage's degenerate-face pass (a fifth of the meshing time) is skipped.
    vertices, faces, normals, _ = measure.marching_cubes(
        padded, level=0.5, gradient_direction="ascent", allow_degenerate=True
    )
    # Padded index i lies at voxel index low + i - 1, whose centre is at (index + 0.5) / N - 0.5.
    vertices = (vertices + low - 1 + 0.5) / size - 0.5
    return vertices.astype(np.float32), faces.astype(np.int32), normals.astype(np.float32)


def voxels_to_trimesh(voxels: np.ndarray) -> trimesh.Trimesh:
    """A trimesh of one binary grid [N, N, N], for export (OBJ, GLB, PLY); an empty grid gives an empty mesh."""
    vertices, faces, normals = mesh_from_voxels(voxels)
    # trimesh rejects normals of an empty mesh.
    normals = normals if len(vertices) else None
    return trimesh.Trimesh(vertices=vertices, faces=faces, vertex_normals=normals, process=False)
