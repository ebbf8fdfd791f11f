"""Draws the same procedural shapes with every renderer into one PNG (rows: renderers, columns: shapes x views).

    python tools/compare_renderers.py --out=docs/renderers.png

The library is iggan_tf.render.renderer_comparison; a renderer whose environment is missing is left out and named.
"""

import sys

from absl import app, flags

from iggan_tf.pictures import save_png
from iggan_tf.render import backends
from iggan_tf.render.renderer_comparison import RendererComparison, compare_renderers
from iggan_tf.shapes import CLASS_NAMES

_DEFAULTS = RendererComparison()
FLAGS = flags.FLAGS
flags.DEFINE_string("out", "docs/renderers.png", "PNG to write.")
flags.DEFINE_multi_enum("classes", list(_DEFAULTS.classes), CLASS_NAMES, "Procedural classes, one shape each.")
flags.DEFINE_multi_enum("renderers", list(_DEFAULTS.renderers), backends.RENDERER_NAMES, "Renderers to compare.")
flags.DEFINE_integer("seed", _DEFAULTS.seed, "Seed of the shapes.")
flags.DEFINE_integer("voxel_size", _DEFAULTS.voxel_size, "Voxel resolution the shapes are drawn from.")
flags.DEFINE_integer("image_size", _DEFAULTS.image_size, "Side of each image in pixels.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    picture, missing = compare_renderers(RendererComparison(
        classes=tuple(FLAGS.classes), seed=FLAGS.seed, voxel_size=FLAGS.voxel_size, image_size=FLAGS.image_size,
        renderers=tuple(FLAGS.renderers)))
    for label, reason in missing:
        print(f"left out {label}: {reason}", file=sys.stderr)
    print(save_png(picture, FLAGS.out))


if __name__ == "__main__":
    app.run(main)
