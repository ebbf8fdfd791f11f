"""The unlimited-views pipeline through the real OpenGL worker pool and its tf.py_function bridge: the images
in the stream are OpenGL renders of the streamed objects from the streamed views."""

import numpy as np
import tensorflow as tf

from iggan_tf.datasets import online_views
from iggan_tf.geometry.cameras import FULL_TURN_HIGH
from iggan_tf.render import OpenGLRenderer, opengl_render_function

IMAGE_SIZE = 32


def test_online_views_are_opengl_renders_of_the_streamed_objects():
    packed = online_views.synthetic_objects("tub", IMAGE_SIZE // 2, count=3)
    grids = np.stack([np.unpackbits(row).astype(bool).reshape((IMAGE_SIZE // 2,) * 3) for row in packed])
    with OpenGLRenderer(IMAGE_SIZE, workers=1) as renderer:
        bridge = opengl_render_function(renderer)

        def render(binary_voxels, azimuth, elevation):
            return bridge(tf.cast(binary_voxels, tf.float32)[..., tf.newaxis], azimuth, elevation)

        dataset = online_views.unlimited_views(packed, IMAGE_SIZE // 2, FULL_TURN_HIGH, render, batch_size=2, seed=1)
        batches = [{key: value.numpy() for key, value in batch.items()} for batch in dataset.take(3)]
        for batch in batches:
            assert batch["image"].shape == (2, IMAGE_SIZE, IMAGE_SIZE, 1)
            expected = renderer.render(grids[batch["object_index"]], batch["azimuth"], batch["elevation"])
            np.testing.assert_allclose(batch["image"], expected, atol=1e-6)
            assert np.all(batch["image"].max(axis=(1, 2, 3)) > 0.2)  # a lit object, not an empty frame
