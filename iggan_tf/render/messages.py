"""What the render pool and its workers say to each other over their pipes (pickled tuples).

Pool -> worker: (CONFIGURE, renderer name, image_size, lighting, shadows) once, then (RENDER_VOXELS | RENDER_MESHES |
RENDER_NORMAL_MAPS, job, payload) per job, or (STOP,). Worker -> pool: (READY, pid) or (FAILED, traceback)
after start-up, then (IMAGES, job, uint8 [K, S, S] gray or [K, S, S, 3] normal maps) or (ERROR, job,
traceback) per job. Binary voxels travel bit-packed.
"""

import numpy as np

CONFIGURE = "configure"
RENDER_VOXELS = "render_voxels"
RENDER_MESHES = "render_meshes"
RENDER_NORMAL_MAPS = "render_normal_maps"
STOP = "stop"
READY = "ready"
FAILED = "failed"
IMAGES = "images"
ERROR = "error"


def pack_voxels(binary_voxels: np.ndarray) -> np.ndarray:
    """bool [K, N, N, N] -> uint8 [K, ceil(N^3 / 8)]: an eighth of the bytes to send."""
    count = len(binary_voxels)
    return np.packbits(binary_voxels.reshape(count, binary_voxels[0].size if count else 0), axis=1)


def unpack_voxels(packed: np.ndarray, size: int) -> np.ndarray:
    """Inverse of pack_voxels for grids of side `size`."""
    bits = np.unpackbits(packed, axis=1, count=size**3).view(bool)
    return bits.reshape(len(packed), size, size, size)
