"""iggan-export: writes a training workdir's generator as a TF Serving SavedModel version.

    iggan-export --workdir=runs/quickstart [--version=N] [--step=S]
    iggan-export --workdir=runs/tubs --ship_as=tub     # copy the latest export and its eval.json to iggan_tf/pretrained/

The SavedModel goes to <workdir>/export/generator/<version>/ (next free version by default); see export/README.md.
With --ship_as, nothing is exported: the latest export, evaluated by iggan-eval, becomes the generator that ships
as pretrained:<class> (iggan_tf/serving/pretrained.py).
"""

from absl import app, flags, logging

flags.DEFINE_string("workdir", None, "Training workdir (config.json and checkpoints/).", required=True)
flags.DEFINE_integer("version", None, "SavedModel version to write; default: one more than the highest present.")
flags.DEFINE_integer("step", None, "Export the checkpoint of this training step (one the run still keeps); "
                     "default: the latest.")
flags.DEFINE_string("ship_as", None, "Instead of exporting: copy the latest export and its eval.json to "
                    "iggan_tf/pretrained/<class>/, the generator --model=pretrained:<class> loads.")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    if FLAGS.ship_as is not None:
        if FLAGS.step is not None:
            raise app.UsageError("--step chooses the checkpoint to export; --ship_as exports nothing (it ships the "
                                 "latest export): export with --step first, then ship")
        from iggan_tf.serving.pretrained import ship

        try:
            shipped = ship(FLAGS.workdir, FLAGS.ship_as)
        except ValueError as error:
            raise app.UsageError(str(error)) from None
        logging.info("shipped %s as pretrained:%s", shipped, FLAGS.ship_as)
        print(shipped)
        return
    from iggan_tf.serving.workdir_export import export_from_workdir  # TensorFlow loads after the flags parse

    try:
        export_dir = export_from_workdir(FLAGS.workdir, FLAGS.version, FLAGS.step)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    logging.info("exported the generator to %s", export_dir)
    print(export_dir)


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
