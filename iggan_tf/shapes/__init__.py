"""Procedural shape classes, the embedded default data (DESIGN section 5): seeded parametric families of
trimesh meshes normalized like ShapeNet (bounding-box diagonal 1, centred, +y up, front towards +z).

numpy and trimesh only, so render workers and dataset builders can import it without TensorFlow.
"""

from iggan_tf.shapes.registry import CLASS_NAMES, make_shape, make_shapes

__all__ = ["CLASS_NAMES", "make_shape", "make_shapes"]
