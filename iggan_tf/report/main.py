"""iggan-report: a static HTML report of one or more training workdirs, to open from file:// with no network.

    iggan-report --workdir=runs/quickstart --out=/tmp/report
    iggan-report --workdir=runs/tubs_s0 --workdir=runs/tubs_s1 --out=/tmp/tubs   # with a comparison table

The library is iggan_tf.report.html_report; flags share the names of ReportOptions' fields.
"""

from absl import app, flags, logging

from iggan_tf.render.backends import DEFAULT_RENDERER, RENDERER_NAMES
from iggan_tf.report.html_report import ReportOptions, write_report

_DEFAULTS = ReportOptions()
flags.DEFINE_multi_string("workdir", None, "Training workdir to report on; repeat the flag for several runs.",
                          required=True)
flags.DEFINE_string("out", None, "Folder of the report (index.html and its files).", required=True)
flags.DEFINE_integer("max_meshes", _DEFAULTS.max_meshes, "Meshes per run shown in the viewer and as turntables.")
flags.DEFINE_integer("max_grids", _DEFAULTS.max_grids, "Sample grids per run, evenly spread over training.")
flags.DEFINE_integer("turntable_frames", _DEFAULTS.turntable_frames, "Frames per turntable GIF (0: no turntables).")
flags.DEFINE_integer("image_size", _DEFAULTS.image_size, "Side of the turntable frames in pixels.")
flags.DEFINE_enum("renderer", DEFAULT_RENDERER, RENDERER_NAMES, "Renderer of the turntables.")
flags.DEFINE_boolean("shadows", _DEFAULTS.shadows, "Let the turntables' renderer cast shadows.")
flags.DEFINE_integer("render_workers", None, "OpenGL worker processes; default: one per core, at most one per mesh.")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    try:
        options = ReportOptions(
            max_meshes=FLAGS.max_meshes, max_grids=FLAGS.max_grids, turntable_frames=FLAGS.turntable_frames,
            image_size=FLAGS.image_size, renderer=FLAGS.renderer, shadows=FLAGS.shadows,
            render_workers=FLAGS.render_workers,
        )
        index = write_report(FLAGS.workdir, FLAGS.out, options)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    logging.info("wrote the report of %d run(s)", len(FLAGS.workdir))
    print(f"report: {index.resolve().as_uri()}")


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
