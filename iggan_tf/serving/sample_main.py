"""iggan-sample: meshes and pictures of shapes drawn from an exported generator SavedModel.

    iggan-sample --model=runs/quickstart/export/generator --num=16 --out=/tmp/gallery [--renderer=blender]
    iggan-sample --model=pretrained:tub --out=/tmp/tubs       # a generator that ships in iggan_tf/pretrained/

Needs only the SavedModel (a version folder, or its base folder for the newest version). TensorFlow runs the
generator in this process; OpenGL draws in worker processes, since pyrender and TensorFlow cannot share one.
"""

from absl import app, flags, logging

from iggan_tf.render.backends import DEFAULT_RENDERER, RENDERER_NAMES
from iggan_tf.serving.gallery import GalleryOptions, sample_gallery
from iggan_tf.serving.mesh_files import MESH_FORMATS, writable_dir

flags.DEFINE_string("model", None, "Generator SavedModel: a version folder or the base folder of versions, or "
                    "pretrained:<class> for one that ships in iggan_tf/pretrained/.", required=True)
flags.DEFINE_string("out", None, "Folder for meshes, pictures and samples.json.", required=True)
flags.DEFINE_integer("num", 16, "Shapes to sample.")
flags.DEFINE_integer("seed", 0, "Seed of the latent codes: the same seed gives the same shapes.")
flags.DEFINE_float("threshold", 0.5, "Occupancy above which a voxel is solid.")
flags.DEFINE_integer("image_size", 128, "Side of each rendered picture in pixels.")
flags.DEFINE_integer("turntable_frames", 24, "Frames per turntable GIF (one full turn).")
flags.DEFINE_integer("normal_map_views", 8, "Views of the first shape in normal_map_views.png.")
flags.DEFINE_list("formats", list(MESH_FORMATS), "Mesh formats to write.")
flags.DEFINE_integer("render_workers", None, "OpenGL worker processes; default: one per available core.")
flags.DEFINE_enum("renderer", DEFAULT_RENDERER, RENDERER_NAMES,
                  "Renderer of the pictures, turntables and normal maps.")
flags.DEFINE_boolean("shadows", True, "Let the renderer cast shadows.")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    try:  # A bad output folder or gallery option fails before TensorFlow and OpenGL start.
        out_dir = writable_dir(FLAGS.out, "--out")
        options = GalleryOptions(FLAGS.turntable_frames, normal_map_views=FLAGS.normal_map_views,
                                 mesh_formats=tuple(FLAGS.formats))
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    from iggan_tf.serving.pretrained import resolve_model

    try:
        model_dir = resolve_model(FLAGS.model)
    except ValueError as error:
        raise app.UsageError(f"--model: {error}") from None
    from iggan_tf.devices import share_gpus_with_render_workers
    from iggan_tf.render import OpenGLRenderer
    from iggan_tf.serving.generator_savedmodel import load_generator

    share_gpus_with_render_workers()
    try:
        model = load_generator(model_dir)
    except ValueError as error:
        raise app.UsageError(f"--model: {error}") from None
    with OpenGLRenderer(FLAGS.image_size, workers=FLAGS.render_workers, renderer=FLAGS.renderer,
                        shadows=FLAGS.shadows) as renderer:
        try:
            manifest = sample_gallery(model, out_dir, FLAGS.num, FLAGS.seed, FLAGS.threshold, renderer, options)
        except ValueError as error:
            raise app.UsageError(str(error)) from None
    empty = sum(not sample["meshes"] for sample in manifest["samples"])
    logging.info("%d shapes from %s (%d empty at threshold %.2f) in %s", FLAGS.num, model.path, empty,
                 FLAGS.threshold, out_dir)


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
