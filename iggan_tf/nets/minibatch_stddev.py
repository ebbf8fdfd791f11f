"""Minibatch standard deviation (Karras et al. 2018, ProGAN, Section 3): D sees how much a group of images differ.

A generator that makes one shape from every latent vector gives groups of near-identical images, which D can
then tell from dataset images by this feature alone: an incentive against mode collapse that a D judging each
image on its own lacks.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="iggan_tf")
class MinibatchStandardDeviation(keras.layers.Layer):
    """Appends one feature map: the standard deviation over each group of `group_size` consecutive images,
    averaged over features and positions, broadcast to every image of the group.

    Groups are consecutive, so a batch that concatenates dataset images and renders (D's training call) never
    mixes the two in one group as long as each half is a multiple of the group size. A batch smaller than
    `group_size` forms one group; a larger batch must be a multiple of it.
    """

    def __init__(self, group_size: int = 4, **kwargs):
        super().__init__(**kwargs)
        if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 2:
            raise ValueError(f"group_size must be an integer >= 2, got {group_size!r}")
        self.group_size = group_size

    def call(self, inputs):
        batch = tf.shape(inputs)[0]
        height, width, channels = inputs.shape[1], inputs.shape[2], inputs.shape[3]
        group = tf.minimum(batch, self.group_size)
        # A batch that is not a multiple would regroup images across the reshape: refuse it instead.
        tf.debugging.assert_equal(
            batch % group, 0, message=f"MinibatchStandardDeviation: batch size must be a multiple of {self.group_size}"
        )
        grouped = tf.reshape(tf.cast(inputs, tf.float32), (-1, group, height, width, channels))
        deviation = tf.sqrt(tf.math.reduce_variance(grouped, axis=1) + 1e-8)  # [B / group, H, W, C]
        per_image = tf.repeat(tf.reduce_mean(deviation, axis=(1, 2, 3)), group)  # [B]
        feature = tf.broadcast_to(tf.reshape(per_image, (-1, 1, 1, 1)), (batch, height, width, 1))
        return tf.concat([inputs, tf.cast(feature, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}
