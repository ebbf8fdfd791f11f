"""OpenGL renders inside TensorFlow graphs: the worker pool called through tf.py_function (DESIGN section 4).

The GAN step calls `opengl_render_function(renderer)` like any function of tensors. py_function runs
Python, so a tf.function that contains it must not be XLA-compiled (jit_compile=False); the images carry
no gradient. The pool's processes render; this process only waits, so TensorFlow and pyrender never meet.
"""

import functools

import tensorflow as tf

from iggan_tf.render.pool import OpenGLRenderer


def opengl_render_op(renderer: OpenGLRenderer, binary_voxels, azimuth, elevation) -> tf.Tensor:
    """Images float32 [B, S, S, 1] of binary voxels [B, N, N, N(, 1)] seen from azimuth [B] and elevation
    [B] (degrees), rendered by `renderer`; static shapes are kept for the layers that follow.

    Static ranks are checked here (ValueError naming the argument); values (binary voxels, finite angles)
    are checked by the renderer when the op runs.
    """
    binary_voxels = tf.convert_to_tensor(binary_voxels)
    azimuth = tf.convert_to_tensor(azimuth)
    elevation = tf.convert_to_tensor(elevation)
    if binary_voxels.shape.rank not in (None, 4, 5):
        raise ValueError(f"binary_voxels must have shape [B, N, N, N] or [B, N, N, N, 1], got {binary_voxels.shape}")
    for name, angles in (("azimuth", azimuth), ("elevation", elevation)):
        if angles.shape.rank not in (None, 1):
            raise ValueError(f"{name} must be a 1-D tensor of degrees, got shape {angles.shape}")

    def render(voxels, azimuth_degrees, elevation_degrees):
        return renderer.render(voxels.numpy(), azimuth_degrees.numpy(), elevation_degrees.numpy())

    images = tf.py_function(render, [binary_voxels, azimuth, elevation], Tout=tf.float32, name="opengl_render")
    images.set_shape([binary_voxels.shape[0], renderer.image_size, renderer.image_size, 1])
    return images


def opengl_render_function(renderer: OpenGLRenderer):
    """The GAN's R_d: a callable (binary_voxels [B, N, N, N, 1] float32, azimuth [B], elevation [B]) -> images."""
    return functools.partial(opengl_render_op, renderer)
