"""The absorption-only baseline (Henzler et al. 2019, PlatonicGAN; paper 4.3: "voxels absorb light based on their
fraction of occupancy"): light crossing the volume towards the camera is absorbed cell by cell, front to back,

    image(row, column) = 1 - prod_k (1 - alpha_k),   alpha_k = min(1, a * v_k / N),

v_k the occupancy at the k-th cell along the camera ray in the view grid (view_transform, as RenderNet and the
visual hull see it), N the voxel resolution and a = ABSORPTION_FACTOR. Each cell absorbs the share alpha_k of
what reaches it, so the image grows with the thickness of matter crossed (an X-ray, with no shading), where
the visual hull's saturates after a few voxels. PlatonicGAN's renderer scales occupancy by a / N likewise.
D's real images are the dataset's shapes drawn by the same formula at the dataset's own views.
"""

import tensorflow as tf

from iggan_tf.geometry.view_grid import view_transform
from iggan_tf.methods.registry import image_model_baseline
from iggan_tf.methods.visual_hull import DEPTH_AXIS

# a: PlatonicGAN's released configuration absorbs with factor 20 over its grid side.
ABSORPTION_FACTOR = 20.0
# alpha_k stays below 1 by this much, so that log(1 - alpha_k) is finite (and the transmittance's gradient too).
_MAXIMUM_ABSORPTION = 1.0 - 1e-5


def absorption_images(voxels, azimuth, elevation) -> tf.Tensor:
    """Images [B, 2N, 2N, 1] in [0, 1] of voxels [B, N, N, N, 1] from azimuth/elevation [B] (degrees),
    differentiable in the voxels."""
    resolution = voxels.shape[1]
    view_grid = view_transform(tf.cast(voxels, tf.float32), azimuth, elevation)
    absorbed_share = tf.minimum(ABSORPTION_FACTOR / resolution * view_grid, _MAXIMUM_ABSORPTION)
    # The product of the cells' transmittances, summed in log space.
    transmittance = tf.exp(tf.reduce_sum(tf.math.log1p(-absorbed_share), axis=DEPTH_AXIS))
    return 1.0 - transmittance


METHOD = image_model_baseline("absorption_only", absorption_images)
