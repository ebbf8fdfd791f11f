"""iggan-reproduce: runs what is missing of one of the paper's tables, evaluates it and writes RESULTS.md.

    iggan-reproduce --table=1 --scale=cpu --dry_run        # each run's state and the commands still to run
    iggan-reproduce --table=1 --scale=cpu [--seeds=0,1]    # train (resume) and evaluate what is missing
    iggan-reproduce --table=2 --scale=cpu --notrain        # evaluate finished runs, collect; train nothing

The cells are declared in iggan_tf.reproduction.cells; the library is iggan_tf.reproduction.reproduce. Run it from
the repository root: flagfiles are named relative to it.
"""

from absl import app, flags

from iggan_tf.reproduction.cells import SCALES, TABLES

flags.DEFINE_enum("table", None, [str(table) for table in TABLES], "The paper's table to reproduce.", required=True)
flags.DEFINE_enum("scale", "cpu", SCALES, "cpu: the flags/cpu_* runs on procedural shapes (hours each on 2 cores); "
                  "paper: the flags/paper_* runs (GPU).")
flags.DEFINE_list("seeds", None, "Seeds of every run (default: each cell's own; the CPU tubs row of Table 1: 0,1).")
flags.DEFINE_string("runs_dir", None, "Where the runs' workdirs and logs go, relative to the repository root (or "
                    "absolute); default runs/reproduce/<scale>.")
flags.DEFINE_string("output_dir", None, "Where results.json, RESULTS.md and the runs' eval.json go (relative to the "
                    "working directory); default docs/results/<scale>.")
flags.DEFINE_string("manual_dir", None, "--scale=paper: the ShapeNetCore folder or zip; every run then trains on "
                    "shapenet_renders (without it: on the procedural stand-ins).")
flags.DEFINE_boolean("train", True, "Train (or resume) runs that are missing or partial.")
flags.DEFINE_boolean("evaluate", True, "Evaluate trained runs that have no eval.json of their last step.")
flags.DEFINE_boolean("dry_run", False, "Print each run's state and the commands still to run; change nothing.")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    from iggan_tf.reproduction.reproduce import reproduce

    try:
        seeds = None if FLAGS.seeds is None else tuple(int(seed) for seed in FLAGS.seeds)
    except ValueError:
        raise app.UsageError(f"--seeds must list integers, got {','.join(FLAGS.seeds)}") from None
    try:
        reproduce(int(FLAGS.table), FLAGS.scale, FLAGS.runs_dir or f"runs/reproduce/{FLAGS.scale}",
                  FLAGS.output_dir or f"docs/results/{FLAGS.scale}", seeds=seeds, manual_dir=FLAGS.manual_dir,
                  train=FLAGS.train, evaluate=FLAGS.evaluate, dry_run=FLAGS.dry_run)
    except ValueError as error:
        raise app.UsageError(str(error)) from None


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
