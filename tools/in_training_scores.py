"""Writes the scores a run logged during training (TensorBoard `eval/*`: FID, KID, in-class and hollow rates of
the generator's weight average) as JSON, to publish next to a run's eval.json under docs/results/.

    python tools/in_training_scores.py --workdir=runs/cpu_tub_s0 --output=docs/results/cpu_tub_s0/in_training_scores.json
"""

import json
import pathlib

from absl import app, flags

from iggan_tf.evaluation.during_training import logged_scores

FLAGS = flags.FLAGS
flags.DEFINE_string("workdir", None, "Training workdir (holds tensorboard/).", required=True)
flags.DEFINE_string("output", None, "JSON file to write; '-' prints it.", required=True)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    try:
        scores = logged_scores(FLAGS.workdir)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    text = json.dumps({"source": f"TensorBoard eval/* tags of {FLAGS.workdir} (in-training scores)",
                       "scores_by_step": {str(step): values for step, values in scores.items()}},
                      indent=1, sort_keys=True) + "\n"
    if FLAGS.output == "-":
        print(text, end="")
    else:
        pathlib.Path(FLAGS.output).write_text(text)


if __name__ == "__main__":
    app.run(main)
