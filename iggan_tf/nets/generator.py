"""The voxel generator G (3D-GAN, Wu et al. 2016): latent vector z -> continuous occupancy x_c = G(z) in [0, 1].

The start of the IG-GAN data flow: x_c is thresholded and rendered by OpenGL, and rendered by RenderNet.
"""

import dataclasses

import keras

from iggan_tf.nets.sizes import check_int, doublings

# 3D-GAN starts from a 4^3 grid and doubles the resolution with each transposed convolution.
_START_RESOLUTION = 4


@dataclasses.dataclass(frozen=True)
class GeneratorConfig:
    """Generator size. Defaults are the paper's (64^3 voxels, z of 200, 3D-GAN widths 512-256-128-64)."""

    voxel_size: int = 64
    latent_dim: int = 200
    # Channels of the last hidden layer; each coarser layer has twice as many.
    width: int = 64

    def __post_init__(self):
        for field in dataclasses.fields(self):
            check_int(getattr(self, field.name), f"GeneratorConfig.{field.name}")
        if doublings(_START_RESOLUTION, self.voxel_size, "GeneratorConfig.voxel_size") < 1:
            raise ValueError(
                f"GeneratorConfig.voxel_size must be at least {2 * _START_RESOLUTION}, got {self.voxel_size}"
            )


def make_generator(config: GeneratorConfig = GeneratorConfig(), synchronized_batch_norm: bool = False) -> keras.Model:
    """G: latent_vectors [B, latent_dim] -> continuous_voxels [B, N, N, N, 1] float32 in [0, 1].

    Dense projection to 4^3, then stride-2 transposed 3D convolutions with batch norm and ReLU; sigmoid out.
    `synchronized_batch_norm`: in training, batch norm all-reduces its statistics over the replicas of a
    tf.distribute strategy, so that they are the global batch's (the same weights; no effect in inference).
    """
    up_samplings = doublings(_START_RESOLUTION, config.voxel_size, "GeneratorConfig.voxel_size")
    channels = config.width * 2 ** (up_samplings - 1)

    latent_vectors = keras.Input((config.latent_dim,), name="latent_vectors")
    # The projection is 3D-GAN's first 4^3 transposed convolution on a 1^3 input, written as a dense layer.
    # Biases are left out where batch norm follows: its offset replaces them.
    x = keras.layers.Dense(_START_RESOLUTION**3 * channels, use_bias=False, name="projection")(latent_vectors)
    x = keras.layers.Reshape((_START_RESOLUTION,) * 3 + (channels,), name="projection_grid")(x)
    x = keras.layers.BatchNormalization(synchronized=synchronized_batch_norm, name="projection_norm")(x)
    x = keras.layers.ReLU(name="projection_relu")(x)
    for level in range(1, up_samplings):
        channels //= 2
        x = keras.layers.Conv3DTranspose(
            channels, 4, strides=2, padding="same", use_bias=False, name=f"up_{level}"
        )(x)
        x = keras.layers.BatchNormalization(synchronized=synchronized_batch_norm, name=f"up_{level}_norm")(x)
        x = keras.layers.ReLU(name=f"up_{level}_relu")(x)
    x = keras.layers.Conv3DTranspose(1, 4, strides=2, padding="same", name=f"up_{up_samplings}")(x)
    # float32 output even under a mixed-precision policy: thresholds and OpenGL need exact occupancies.
    continuous_voxels = keras.layers.Activation("sigmoid", dtype="float32", name="continuous_voxels")(x)
    return keras.Model(latent_vectors, continuous_voxels, name="generator")
