"""Cameras for generated shapes, drawn inside the TF training step from the dataset's camera distribution."""

import tensorflow as tf

from iggan_tf.geometry.cameras import ViewRange


class UniformViewSampler:
    """Azimuth and elevation (degrees) uniform over a ViewRange, as the paper's datasets are rendered (4.2).

    `sampler(batch_size, random_generator)` returns float32 tensors (azimuth [B], elevation [B]) drawn with the
    given tf.random.Generator, so that the views follow the training run's (checkpointed) random state.
    """

    def __init__(self, view_range: ViewRange):
        if not isinstance(view_range, ViewRange):
            raise ValueError(f"view_range must be a geometry.cameras.ViewRange, got {type(view_range).__name__}")
        self.view_range = view_range

    def __call__(self, batch_size, random_generator: tf.random.Generator):
        azimuth = random_generator.uniform([batch_size], *self.view_range.azimuth)
        elevation = random_generator.uniform([batch_size], *self.view_range.elevation)
        return azimuth, elevation

    def __repr__(self):
        return f"UniformViewSampler({self.view_range!r})"
