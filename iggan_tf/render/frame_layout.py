"""Where views go in one OpenGL frame of the fast `pyrender_unlit` renderer: a square of TILES_PER_SIDE^2
views, each its own orthographic image.

With an orthographic camera and lights fixed to it, a view drawn in a tile is the view drawn alone, shifted
by whole images. Vertex positions are rounded to a dyadic grid far finer than a pixel so that the shift is
exact in float32 all the way through OpenGL's transforms: a view then rasterizes to the same pixels in
every tile and batches do not change images. Pure numpy.
"""

import numpy as np

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH

# 2 x 2 views per frame: sharing llvmpipe's fixed cost per frame makes a view about 15% cheaper than alone,
# and jobs of 4 views still split a batch finely enough to keep every worker busy.
TILES_PER_SIDE = 2
VIEWS_PER_FRAME = TILES_PER_SIDE**2
# float32 keeps 24 significant bits; positions, times the image size, must stay within them to be exact.
_FLOAT32_BITS = 24


def position_quantum(image_size: int) -> float:
    """Grid step of vertex positions in frame units (a tile spans [-1, 1]).

    OpenGL maps a frame position x to the window coordinate (x / TILES_PER_SIDE + 1) * TILES_PER_SIDE *
    image_size / 2; with x on a grid of 2^-k and k small enough, every step is exact in float32. The step
    is 2^-14 of a pixel at image size 128, far below llvmpipe's own sub-pixel snapping (2^-8).
    """
    odd_factor = image_size >> ((image_size & -image_size).bit_length() - 1)
    integer_bits = int(np.ceil(np.log2(2 * TILES_PER_SIDE)))
    fraction_bits = _FLOAT32_BITS - integer_bits - odd_factor.bit_length() - 1
    return 2.0**-fraction_bits


def frame_positions(vertices_in_camera: np.ndarray, tile: int, image_size: int) -> np.ndarray:
    """OpenGL positions float32 [V, 3] of vertices given in camera coordinates (right, up, forward) for the
    view in `tile` (row-major from the top left): x right, y up, z towards the camera, in frame units."""
    positions = np.asarray(vertices_in_camera, dtype=np.float64) * np.array([1.0, 1.0, -1.0]) / VIEW_HALF_WIDTH
    quantum = position_quantum(image_size)
    positions[:, :2] = np.round(positions[:, :2] / quantum) * quantum
    row, column = divmod(tile, TILES_PER_SIDE)
    positions[:, 0] += 2 * column - (TILES_PER_SIDE - 1)
    positions[:, 1] += (TILES_PER_SIDE - 1) - 2 * row
    return positions.astype(np.float32)


def split_frame(frame: np.ndarray, image_size: int) -> np.ndarray:
    """Cuts a frame [T*S, T*S(, C)] (row 0 at the top) into its views [T*T, S, S(, C)] in tile order."""
    channels = frame.shape[2:]
    tiles = frame.reshape(TILES_PER_SIDE, image_size, TILES_PER_SIDE, image_size, *channels)
    return tiles.swapaxes(1, 2).reshape(VIEWS_PER_FRAME, image_size, image_size, *channels)
