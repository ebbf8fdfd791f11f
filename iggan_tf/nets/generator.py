"""The generators: 3D-GAN's voxel generator G (Wu et al. 2016), latent vector z -> continuous occupancy
x_c = G(z) in [0, 1], and DCGAN's image generator (Radford et al. 2016), z -> an image, for the 2D baseline.

The voxel generator starts the IG-GAN data flow: x_c is thresholded and rendered by OpenGL, and rendered by
RenderNet. Both are one up-sampling stack (dense projection, stride-2 transposed convolutions with batch norm),
in three dimensions or in two.
"""

import dataclasses

import keras

from iggan_tf.nets.sizes import check_int, doublings

# 3D-GAN and DCGAN start from a 4^3 grid (4^2 map) and double the resolution with each transposed convolution.
_START_RESOLUTION = 4


@dataclasses.dataclass(frozen=True)
class GeneratorConfig:
    """Generator size. Defaults are the paper's (64^3 voxels, z of 200, 3D-GAN widths 512-256-128-64)."""

    voxel_size: int = 64
    latent_dim: int = 200
    # Channels of the last hidden layer; each coarser layer has twice as many.
    width: int = 64

    def __post_init__(self):
        _check_sizes(self, "voxel_size")


@dataclasses.dataclass(frozen=True)
class ImageGeneratorConfig:
    """DCGAN generator size: images of image_size^2 with image_channels channels; widths as GeneratorConfig's."""

    image_size: int = 128
    latent_dim: int = 200
    width: int = 64
    image_channels: int = 1

    def __post_init__(self):
        _check_sizes(self, "image_size")


def _check_sizes(config, resolution_field: str) -> None:
    name = type(config).__name__
    for field in dataclasses.fields(config):
        check_int(getattr(config, field.name), f"{name}.{field.name}")
    resolution = getattr(config, resolution_field)
    if doublings(_START_RESOLUTION, resolution, f"{name}.{resolution_field}") < 1:
        raise ValueError(f"{name}.{resolution_field} must be at least {2 * _START_RESOLUTION}, got {resolution}")


def make_generator(config: GeneratorConfig = GeneratorConfig(), synchronized_batch_norm: bool = False) -> keras.Model:
    """G: latent_vectors [B, latent_dim] -> continuous_voxels [B, N, N, N, 1] float32 in [0, 1].

    Dense projection to 4^3, then stride-2 transposed 3D convolutions with batch norm and ReLU; sigmoid out.
    `synchronized_batch_norm`: in training, batch norm all-reduces its statistics over the replicas of a
    tf.distribute strategy, so that they are the global batch's (the same weights; no effect in inference).
    """
    return _up_sampling_generator(config.latent_dim, config.voxel_size, config.width, dimensions=3, channels=1,
                                  output_name="continuous_voxels", model_name="generator",
                                  synchronized_batch_norm=synchronized_batch_norm)


def make_image_generator(config: ImageGeneratorConfig = ImageGeneratorConfig(),
                         synchronized_batch_norm: bool = False) -> keras.Model:
    """DCGAN's G: latent_vectors [B, latent_dim] -> images [B, S, S, C] float32 in [0, 1] (sigmoid, not DCGAN's
    tanh: the dataset's images are in [0, 1]). `synchronized_batch_norm` as make_generator's."""
    return _up_sampling_generator(config.latent_dim, config.image_size, config.width, dimensions=2,
                                  channels=config.image_channels, output_name="images", model_name="image_generator",
                                  synchronized_batch_norm=synchronized_batch_norm)


def _up_sampling_generator(latent_dim: int, resolution: int, width: int, dimensions: int, channels: int,
                           output_name: str, model_name: str, synchronized_batch_norm: bool) -> keras.Model:
    up_samplings = doublings(_START_RESOLUTION, resolution, "resolution")
    hidden_channels = width * 2 ** (up_samplings - 1)
    transposed_convolution = {2: keras.layers.Conv2DTranspose, 3: keras.layers.Conv3DTranspose}[dimensions]

    latent_vectors = keras.Input((latent_dim,), name="latent_vectors")
    # The projection is the first 4^d transposed convolution on a 1^d input, written as a dense layer.
    # Biases are left out where batch norm follows: its offset replaces them.
    x = keras.layers.Dense(_START_RESOLUTION**dimensions * hidden_channels, use_bias=False,
                           name="projection")(latent_vectors)
    x = keras.layers.Reshape((_START_RESOLUTION,) * dimensions + (hidden_channels,), name="projection_grid")(x)
    x = keras.layers.BatchNormalization(synchronized=synchronized_batch_norm, name="projection_norm")(x)
    x = keras.layers.ReLU(name="projection_relu")(x)
    for level in range(1, up_samplings):
        hidden_channels //= 2
        x = transposed_convolution(hidden_channels, 4, strides=2, padding="same", use_bias=False, name=f"up_{level}")(x)
        x = keras.layers.BatchNormalization(synchronized=synchronized_batch_norm, name=f"up_{level}_norm")(x)
        x = keras.layers.ReLU(name=f"up_{level}_relu")(x)
    x = transposed_convolution(channels, 4, strides=2, padding="same", name=f"up_{up_samplings}")(x)
    # float32 output even under a mixed-precision policy: thresholds and OpenGL need exact occupancies.
    outputs = keras.layers.Activation("sigmoid", dtype="float32", name=output_name)(x)
    return keras.Model(latent_vectors, outputs, name=model_name)
