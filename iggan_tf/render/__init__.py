"""The off-the-shelf renderer R_d: renderers chosen by name (`backends`: pyrender by default) drawing in
worker processes, a pool in front of them, and a tf.py_function bridge for TensorFlow graphs (DESIGN section 4).

Importing this package imports neither TensorFlow, pyrender nor bpy; the bridge (`opengl_render_op`,
`opengl_render_function`) loads TensorFlow on first use.
"""

import importlib

from iggan_tf.render.lighting import Lighting
from iggan_tf.render.pool import OpenGLRenderer

_LAZY_TENSORFLOW_ATTRIBUTES = {
    "opengl_render_op": "iggan_tf.render.tensorflow_bridge",
    "opengl_render_function": "iggan_tf.render.tensorflow_bridge",
}

__all__ = ["Lighting", "OpenGLRenderer", *_LAZY_TENSORFLOW_ATTRIBUTES]


def __getattr__(name):
    if name in _LAZY_TENSORFLOW_ATTRIBUTES:
        return getattr(importlib.import_module(_LAZY_TENSORFLOW_ATTRIBUTES[name]), name)
    raise AttributeError(f"module 'iggan_tf.render' has no attribute {name!r}")
