"""Pre-trains RenderNet on OpenGL renders of a procedural class (paper Table 3) into a directory that
`iggan-train --pretrained_renderer=DIR` loads.

    python tools/pretrain_renderer.py --class_name=table --output=renderers/table_32 [--renderer=blender]
"""

import pathlib

from absl import app, flags

from iggan_tf.gan import renderer_pretraining
from iggan_tf.nets import RenderNetConfig
from iggan_tf.render import OpenGLRenderer, opengl_render_function
from iggan_tf.render.backends import DEFAULT_RENDERER, RENDERER_NAMES

FLAGS = flags.FLAGS
flags.DEFINE_string("output", None, "Directory for rendernet.weights.h5 and rendernet.json.", required=True)
flags.DEFINE_string("class_name", "table", "Procedural class to pre-train on (paper: tables; also chair, random_cubes).")
flags.DEFINE_integer("shapes", 200, "Shapes of the class.")
flags.DEFINE_integer("views_per_shape", 4, "OpenGL views of each shape (azimuth 0..360, elevation -30..60).")
flags.DEFINE_integer("steps", 600, "Training steps.")
flags.DEFINE_integer("batch_size", 16, "Examples per step.")
flags.DEFINE_integer("voxel_size", 32, "Voxel resolution N; images are 2N x 2N.")
flags.DEFINE_integer("width", 4, "Channels of RenderNet's first 3D convolution (iggan-train's --renderer_width).")
flags.DEFINE_integer("projection_channels", 128, "iggan-train's --renderer_projection_channels.")
flags.DEFINE_enum("renderer", DEFAULT_RENDERER, RENDERER_NAMES,
                  "Renderer to imitate: iggan-train refuses a pre-trained renderer of another --renderer.")
flags.DEFINE_boolean("shadows", True, "Let the renderer cast shadows (iggan-train's --shadows must agree).")
flags.DEFINE_integer("render_workers", 2, "OpenGL render worker processes.")
flags.DEFINE_integer("seed", 0, "First shape seed and view seed.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    config = RenderNetConfig(voxel_size=FLAGS.voxel_size, image_size=2 * FLAGS.voxel_size, width=FLAGS.width,
                             projection_channels=FLAGS.projection_channels)
    with OpenGLRenderer(config.image_size, workers=FLAGS.render_workers, renderer=FLAGS.renderer,
                        shadows=FLAGS.shadows) as renderer:
        renderer_pretraining.pretrain_and_save(
            pathlib.Path(FLAGS.output), config, FLAGS.class_name, FLAGS.shapes, FLAGS.steps,
            opengl_render_function(renderer), views_per_shape=FLAGS.views_per_shape, batch_size=FLAGS.batch_size,
            seed=FLAGS.seed, renderer=FLAGS.renderer, shadows=FLAGS.shadows,
        )


if __name__ == "__main__":
    app.run(main)
