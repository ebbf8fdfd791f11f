"""The proxy neural renderer R (RenderNet, Nguyen-Phuoc et al. 2018, as modified in the paper's Section 4.1).

R imitates OpenGL on binary voxels and, being differentiable, carries the discriminator's gradient back to the
generator's continuous voxels. The view transform is inside the model so that d image / d voxels exists.
"""

import dataclasses
import math

import keras

from iggan_tf.geometry.view_grid import VIEW_GRID_SCALE, view_transform
from iggan_tf.nets.sizes import check_int, doublings

# Stride-2 3D convolutions between the (2N)^3 view grid and the feature grid that the projection unit flattens.
_DOWN_SAMPLINGS_3D = 2
# Renders are mostly black background, so the output starts dark. Started at sigmoid(0) = 0.5 instead, the
# first L2 steps drove every pixel into sigmoid saturation and R stayed at the all-black image (measured at
# 32^3 -> 64^2, Adam 1e-4: L2 flat at the all-black level for 150 steps on tables and random cubes; starting
# from 0.05 it fell to 0.37 and 0.25 of that level).
_INITIAL_INTENSITY = 0.05


@keras.saving.register_keras_serializable(package="iggan_tf")
class ViewTransform(keras.layers.Layer):
    """Resamples voxels [B, N, N, N, C] into the camera frame [B, 2N, 2N, 2N, C] (rows, columns, depth).

    Kept in float32 under mixed precision: trilinear weights in bfloat16 would blur the grid by half a voxel.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, voxels, azimuth, elevation):
        return view_transform(voxels, azimuth, elevation)

    def compute_output_shape(self, voxels_shape, azimuth_shape, elevation_shape):
        grid_size = None if voxels_shape[1] is None else VIEW_GRID_SCALE * voxels_shape[1]
        return (voxels_shape[0], grid_size, grid_size, grid_size, voxels_shape[-1])


@dataclasses.dataclass(frozen=True)
class RenderNetConfig:
    """RenderNet size. Defaults are the paper's: 64^3 voxels in a 128^3 view grid, 128^2 images, 2 + 4 blocks."""

    voxel_size: int = 64
    image_size: int = 128
    image_channels: int = 1
    # Channels of the first 3D convolution; the next two have 2x and 4x as many.
    width: int = 8
    # Channels of the 1x1 convolution that follows the projection unit, and of the 2D residual blocks.
    projection_channels: int = 256
    residual_blocks_3d: int = 2
    residual_blocks_2d: int = 4

    def __post_init__(self):
        for field in dataclasses.fields(self):
            minimum = 0 if field.name.startswith("residual_blocks") else 1
            check_int(getattr(self, field.name), f"RenderNetConfig.{field.name}", minimum)
        if self.voxel_size % 2:
            raise ValueError(f"RenderNetConfig.voxel_size must be even, got {self.voxel_size}")
        doublings(self.feature_size, self.image_size, "RenderNetConfig.image_size")

    @property
    def feature_size(self) -> int:
        """Side of the 3D feature grid and of the projected 2D feature map."""
        return VIEW_GRID_SCALE * self.voxel_size // 2**_DOWN_SAMPLINGS_3D


def _prelu(rank: int, name: str) -> keras.layers.PReLU:
    """PReLU with one slope per channel, starting at 0.25 as in He et al. (2015) (also PyTorch's default).

    Keras' default start (slope 0, a plain ReLU) let small renderers die into all-black images under L2
    (measured: 1 in 8 tiny RenderNets stuck at the all-black L2 after 80 steps; none with 0.25).
    """
    return keras.layers.PReLU(
        alpha_initializer=keras.initializers.Constant(0.25), shared_axes=list(range(1, rank + 1)), name=name
    )


def _residual_block(x, rank: int, name: str):
    """Two 3x3(x3) convolutions with PReLU and an identity shortcut; `rank` 3 for volumes, 2 for images."""
    convolution = keras.layers.Conv3D if rank == 3 else keras.layers.Conv2D
    channels = x.shape[-1]
    y = convolution(channels, 3, padding="same", name=f"{name}_conv_1")(x)
    y = _prelu(rank, f"{name}_prelu_1")(y)
    y = convolution(channels, 3, padding="same", name=f"{name}_conv_2")(y)
    y = keras.layers.Add(name=f"{name}_add")([x, y])
    return _prelu(rank, f"{name}_prelu_2")(y)


def make_rendernet(config: RenderNetConfig = RenderNetConfig()) -> keras.Model:
    """R: (voxels [B, N, N, N, 1], azimuth [B], elevation [B] in degrees) -> neural_images [B, S, S, C] in [0, 1].

    No normalization layers: R must be the same function in every sub-step and mode (training or not), and it
    is applied to binary and continuous voxels alike.
    """
    n = config.voxel_size
    voxels = keras.Input((n, n, n, 1), name="voxels")
    azimuth = keras.Input((), name="azimuth")
    elevation = keras.Input((), name="elevation")

    x = ViewTransform(name="view_transform")(voxels, azimuth, elevation)
    x = keras.layers.Conv3D(config.width, 5, strides=2, padding="same", name="conv3d_1")(x)
    x = _prelu(3, "conv3d_1_prelu")(x)
    x = keras.layers.Conv3D(2 * config.width, 3, strides=2, padding="same", name="conv3d_2")(x)
    x = _prelu(3, "conv3d_2_prelu")(x)
    x = keras.layers.Conv3D(4 * config.width, 3, padding="same", name="conv3d_3")(x)
    x = _prelu(3, "conv3d_3_prelu")(x)
    for block in range(config.residual_blocks_3d):
        x = _residual_block(x, 3, f"residual3d_{block + 1}")

    # Projection unit: each pixel sees its whole column of depth features, so occlusion can be learned.
    size = config.feature_size
    x = keras.layers.Reshape((size, size, size * 4 * config.width), name="projection")(x)
    x = keras.layers.Conv2D(config.projection_channels, 1, name="projection_conv")(x)
    x = _prelu(2, "projection_prelu")(x)
    for block in range(config.residual_blocks_2d):
        x = _residual_block(x, 2, f"residual2d_{block + 1}")

    up_samplings = doublings(size, config.image_size, "RenderNetConfig.image_size")
    for level in range(1, up_samplings + 1):
        channels = max(1, config.projection_channels // 2**level)
        x = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name=f"up_{level}")(x)
        x = _prelu(2, f"up_{level}_prelu")(x)
    initial_logit = math.log(_INITIAL_INTENSITY / (1.0 - _INITIAL_INTENSITY))
    x = keras.layers.Conv2D(
        config.image_channels,
        3,
        padding="same",
        bias_initializer=keras.initializers.Constant(initial_logit),
        name="to_image",
    )(x)
    neural_images = keras.layers.Activation("sigmoid", dtype="float32", name="neural_images")(x)
    return keras.Model([voxels, azimuth, elevation], neural_images, name="rendernet")
