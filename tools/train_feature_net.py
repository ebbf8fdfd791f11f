"""Trains the feature network behind FID, KID and the in-class rate, and writes its weights and JSON record
(by default the ones shipped in the package, iggan_tf/metrics/weights/).

    python tools/train_feature_net.py
    python tools/train_feature_net.py --shapenet_manual_dir=/data/shapenet --output=/tmp/feature_network.weights.h5

The library is iggan_tf.metrics.feature_network_training; this binary only turns flags into its config.
"""

import shlex
import sys

from absl import app, flags

from iggan_tf.metrics import feature_network
from iggan_tf.metrics.feature_network_training import FeatureNetworkTraining, train_feature_network

_DEFAULTS = FeatureNetworkTraining()
FLAGS = flags.FLAGS
flags.DEFINE_string("output", str(feature_network.DEFAULT_WEIGHTS_PATH),
                    "Weights file (*.weights.h5); the JSON record is written beside it.")
flags.DEFINE_integer("train_shapes_per_class", _DEFAULTS.train_shapes_per_class, "Training shapes of each class.")
flags.DEFINE_integer("views_per_train_shape", _DEFAULTS.views_per_train_shape, "Random views of each training shape.")
flags.DEFINE_integer("held_out_shapes_per_class", _DEFAULTS.held_out_shapes_per_class,
                     "Held-out shapes of each class (test collection) for the reported accuracy.")
flags.DEFINE_integer("views_per_held_out_shape", _DEFAULTS.views_per_held_out_shape,
                     "Random views of each held-out shape.")
flags.DEFINE_integer("paper_scale_shapes_per_class", _DEFAULTS.paper_scale_shapes_per_class,
                     "Held-out shapes of each class also checked at 64^3 voxels / 128^2 renders; 0 skips the check.")
flags.DEFINE_integer("epochs", _DEFAULTS.epochs, "Passes over the training renders.")
flags.DEFINE_integer("batch_size", _DEFAULTS.batch_size, "Images per training step.")
flags.DEFINE_float("learning_rate", _DEFAULTS.learning_rate, "Initial Adam learning rate (cosine decay to 0).")
flags.DEFINE_integer("width", _DEFAULTS.width, "Channels of the first convolution stage.")
flags.DEFINE_integer("feature_dimension", _DEFAULTS.feature_dimension, "Size of the feature (penultimate) layer.")
flags.DEFINE_integer("seed", _DEFAULTS.seed, "Seed of views, shuffling and initialization.")
flags.DEFINE_integer("render_workers", 0, "OpenGL worker processes; 0 = one per available core.")
flags.DEFINE_list("shadow_settings", ["true", "false"],
                  "Draw the images with shadows (true), without (false), or both (true,false: the same views twice).")
flags.DEFINE_string("shapenet_manual_dir", None, "ShapeNetCore manual dir: adds its chair/couch/tub/table classes.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    words = {"true": True, "false": False}
    unknown = [value for value in FLAGS.shadow_settings if value.lower() not in words]
    if unknown:
        raise app.UsageError(f"--shadow_settings takes true and/or false, got {unknown}")
    training = FeatureNetworkTraining(
        train_shapes_per_class=FLAGS.train_shapes_per_class, views_per_train_shape=FLAGS.views_per_train_shape,
        held_out_shapes_per_class=FLAGS.held_out_shapes_per_class,
        views_per_held_out_shape=FLAGS.views_per_held_out_shape,
        paper_scale_shapes_per_class=FLAGS.paper_scale_shapes_per_class, epochs=FLAGS.epochs,
        batch_size=FLAGS.batch_size, learning_rate=FLAGS.learning_rate, width=FLAGS.width,
        feature_dimension=FLAGS.feature_dimension, seed=FLAGS.seed, render_workers=FLAGS.render_workers or None,
        shapenet_manual_dir=FLAGS.shapenet_manual_dir,
        shadow_settings=tuple(words[value.lower()] for value in FLAGS.shadow_settings),
    )
    command = shlex.join(["python", "tools/train_feature_net.py", *sys.argv[1:]])
    record = train_feature_network(training, FLAGS.output, command)
    print(f"held-out accuracy {record['held_out_accuracy']:.4f} on {record['held_out']['images']} renders; "
          f"weights {FLAGS.output} (SHA-256 {record['sha256']})")


if __name__ == "__main__":
    app.run(main)
