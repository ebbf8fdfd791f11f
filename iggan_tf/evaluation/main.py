"""iggan-eval: scores an exported generator against its dataset's held-out data; writes eval.json and eval.md.

    iggan-eval --workdir=runs/tubs [--reference=real,untrained] [--num_samples=1000]
    iggan-eval --model=runs/tubs/export/generator --output_dir=/tmp/eval --dataset=synthetic_shapes/tub_500_64

The library is iggan_tf.evaluation.evaluate; flags share the names of EvaluationConfig's fields.
"""

import shlex
import sys

from absl import app, flags, logging

from iggan_tf.evaluation.candidates import REFERENCE_ROWS
from iggan_tf.render.backends import RENDERER_NAMES

flags.DEFINE_string("workdir", None, "Training workdir: its config.json and latest export/generator/<version>/.")
flags.DEFINE_string("model", None, "Instead of --workdir: a generator SavedModel (version dir or base dir), or "
                    "pretrained:<class> for one that ships in iggan_tf/pretrained/.")
flags.DEFINE_string("output_dir", None,
                    "Where eval.json and eval.md go; default <workdir>/eval (required with --model).")
flags.DEFINE_string("dataset", None, "tfds dataset to compare with; default: the one the model was trained on.")
flags.DEFINE_string("data_dir", None, "tfds data dir; default: the run's.")
flags.DEFINE_string("manual_dir", None,
                    "ShapeNetCore manual dir (ground truth of shapenet_renders); default: the run's.")
flags.DEFINE_integer("num_samples", 1000, "Shapes per row (generated, real, untrained), each rendered once.")
flags.DEFINE_integer("max_held_out", None, "Held-out renders to compare with; default: the whole test split.")
flags.DEFINE_integer("shape_samples", None, "Shapes per set for voxel-IoU COV/MMD/1-NNA; default: all held-out shapes.")
flags.DEFINE_integer("chamfer_samples", 100, "Shapes per set for Chamfer COV/MMD/1-NNA (cost grows as its square).")
flags.DEFINE_integer("chamfer_points", 1024, "Surface points per shape for Chamfer distances.")
flags.DEFINE_integer("kid_subset_size", 1000, "KID subset size (clipped to the smaller feature set).")
flags.DEFINE_integer("kid_subsets", 100, "KID subsets (mean and standard deviation over them).")
flags.DEFINE_list("reference", [], f"Rows besides 'generated': any of {', '.join(REFERENCE_ROWS)} "
                  "(real = the dataset's training shapes, the floor; untrained = a freshly initialized generator).")
flags.DEFINE_integer("seed", 0, "Seed of latent vectors, views, KID subsets and surface samples.")
flags.DEFINE_integer("render_workers", 0, "OpenGL worker processes; 0 = one per available core.")
flags.DEFINE_string("feature_network", None,
                    "Feature network weights (*.weights.h5 + .json); default: the shipped ones.")
flags.DEFINE_enum("renderer", None, RENDERER_NAMES,
                  "Renderer of the generated shapes; default: the run's. The dataset must be drawn by it too.")
flags.DEFINE_boolean("shadows", None, "Let the renderer cast shadows; default: the run's.")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    # TensorFlow loads after the flags parse.
    from iggan_tf.devices import share_gpus_with_render_workers
    from iggan_tf.evaluation.evaluate import EvaluationConfig, evaluate
    from iggan_tf.evaluation.report import markdown_report

    share_gpus_with_render_workers()

    try:
        config = EvaluationConfig(
            workdir=FLAGS.workdir, model=FLAGS.model, output_dir=FLAGS.output_dir, dataset=FLAGS.dataset,
            data_dir=FLAGS.data_dir, manual_dir=FLAGS.manual_dir, num_samples=FLAGS.num_samples,
            max_held_out=FLAGS.max_held_out, shape_samples=FLAGS.shape_samples,
            chamfer_samples=FLAGS.chamfer_samples, chamfer_points=FLAGS.chamfer_points,
            kid_subset_size=FLAGS.kid_subset_size, kid_subsets=FLAGS.kid_subsets, reference=tuple(FLAGS.reference),
            seed=FLAGS.seed, render_workers=FLAGS.render_workers or None, feature_network=FLAGS.feature_network,
            renderer=FLAGS.renderer, shadows=FLAGS.shadows,
        )
        record = evaluate(config, command=shlex.join(["iggan-eval", *sys.argv[1:]]))
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    logging.info("evaluated %s in %.0f s; wrote %s", record["model"], record["seconds"], record["output_dir"])
    print(markdown_report(record))


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
