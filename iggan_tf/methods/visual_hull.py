"""The visual-hull baseline (Gadelha et al. 2017, PrGAN; paper 4.3): D sees a smoothed silhouette of G's voxels,

    image(row, column) = 1 - exp(-sum_k v_k),

v_k the occupancy at the k-th cell along the camera ray through that pixel in the view grid
(iggan_tf.geometry.view_grid.view_transform, the view transform RenderNet uses: [B, 2N, 2N, 2N, 1], depth
axis 3). The image carries no shading, so a tub's cavity is invisible to it. D's real images are the dataset's
shapes drawn by the same formula at the dataset's own views.
"""

import tensorflow as tf

from iggan_tf.geometry.view_grid import view_transform
from iggan_tf.methods.registry import image_model_baseline

# The depth axis of view_transform's [batch, row, column, depth, channel] grid.
DEPTH_AXIS = 3


def visual_hull_images(voxels, azimuth, elevation) -> tf.Tensor:
    """Images [B, 2N, 2N, 1] in [0, 1) of voxels [B, N, N, N, 1] from azimuth/elevation [B] (degrees),
    differentiable in the voxels."""
    view_grid = view_transform(tf.cast(voxels, tf.float32), azimuth, elevation)
    return 1.0 - tf.exp(-tf.reduce_sum(view_grid, axis=DEPTH_AXIS))


METHOD = image_model_baseline("visual_hull", visual_hull_images)
