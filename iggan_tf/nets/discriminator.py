"""The image discriminator D (DCGAN, Radford et al. 2016, with spectral normalization, Miyato et al. 2018).

D separates dataset images from OpenGL renders of generated shapes; F = log D also defines the renderer's
discriminator output matching loss and, through RenderNet, the generator's loss.
"""

import dataclasses

import keras

from iggan_tf.nets.minibatch_stddev import MinibatchStandardDeviation
from iggan_tf.nets.sizes import check_int, doublings
from iggan_tf.nets.spectral_normalization import SpectralNormalization

# DCGAN halves the image with each convolution down to a 4^2 map before the final dense layer.
_END_RESOLUTION = 4


@dataclasses.dataclass(frozen=True)
class DiscriminatorConfig:
    """Discriminator size. Defaults are the paper's: 128^2 grey images, DCGAN widths 64-128-256-512-1024."""

    image_size: int = 128
    image_channels: int = 1
    # Channels of the first convolution; each further one has twice as many.
    width: int = 64
    # Not in the paper: images per group of the minibatch standard deviation feature before the dense layer
    # (iggan_tf.nets.minibatch_stddev), 0 for none (the paper's D).
    minibatch_stddev_group: int = 0

    def __post_init__(self):
        for field in dataclasses.fields(self):
            if field.name != "minibatch_stddev_group":
                check_int(getattr(self, field.name), f"DiscriminatorConfig.{field.name}")
        group = self.minibatch_stddev_group
        if isinstance(group, bool) or not isinstance(group, int) or group == 1 or group < 0:
            raise ValueError(f"DiscriminatorConfig.minibatch_stddev_group must be 0 or an integer >= 2, got {group!r}")
        if doublings(_END_RESOLUTION, self.image_size, "DiscriminatorConfig.image_size") < 1:
            raise ValueError(
                f"DiscriminatorConfig.image_size must be at least {2 * _END_RESOLUTION}, got {self.image_size}"
            )


def make_discriminator(config: DiscriminatorConfig = DiscriminatorConfig()) -> keras.Model:
    """D: images [B, S, S, C] in [0, 1] -> logits [B, 1] float32 (D(y) = sigmoid(logit)).

    Stride-2 4x4 convolutions with leaky ReLU, every weight layer spectrally normalized (which replaces DCGAN's
    batch norm). Every call, training or not, uses the normalized weights W / sigma(W); only a call with
    training=True advances the power iteration that estimates sigma. With `minibatch_stddev_group`, the last
    feature map gains the minibatch standard deviation before the dense layer.
    """
    down_samplings = doublings(_END_RESOLUTION, config.image_size, "DiscriminatorConfig.image_size")
    images = keras.Input((config.image_size, config.image_size, config.image_channels), name="images")
    # DCGAN's tanh range: centring the inputs helps the first convolution.
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="centre")(images)
    for level in range(down_samplings):
        name = f"down_{level + 1}"
        convolution = keras.layers.Conv2D(config.width * 2**level, 4, strides=2, padding="same", name=name)
        x = SpectralNormalization(convolution, name=f"{name}_sn")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down_{level + 1}_lrelu")(x)
    if config.minibatch_stddev_group:
        x = MinibatchStandardDeviation(config.minibatch_stddev_group, name="minibatch_stddev")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = SpectralNormalization(keras.layers.Dense(1, name="dense"), name="dense_sn")(x)
    logits = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name="discriminator")
