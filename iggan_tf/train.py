"""iggan-train: trains IG-GAN (or a baseline, --method) from a flagfile into a workdir; rerunning the same command
resumes.

    iggan-train --flagfile=flags/quickstart.flags --workdir=runs/quickstart
    iggan-train --flagfile=flags/cpu_tub_visual_hull.flags --workdir=runs/tubs_visual_hull

Every flag is a field of iggan_tf.training.config.TrainingConfig (defaults: CPU scale); see flags/ for the
paper's experiments.
"""

import dataclasses
import shlex
import sys

from absl import app, flags, logging

from iggan_tf.methods import METHOD_NAMES
from iggan_tf.render.backends import RENDERER_NAMES
from iggan_tf.training.config import TrainingConfig, check_workdir

_HELP = {
    "workdir": "Run directory: config, checkpoints, TensorBoard, samples, export. Rerun to resume.",
    "method": "What to train: iggan (the paper's method), or a baseline of paper Section 4.3: visual_hull (PrGAN's "
              "smoothed silhouettes), absorption_only (PlatonicGAN's absorption), dcgan_2d (a 2D image GAN). The "
              "baselines train no neural renderer, so its flags must stay at their defaults.",
    "dataset": "tfds dataset/config of training images, e.g. synthetic_shapes/tub_500_64 (built on first use).",
    "data_dir": "tfds data directory (default: tfds's, ~/tensorflow_datasets).",
    "manual_dir": "Folder (or zip) with manually downloaded data for shapenet_renders / chanterelle.",
    "online_views": "Render a new random view of every training object each epoch (paper's Unlimited).",
    "online_objects": "With --online_views: use only the first N training objects.",
    "voxel_size": "Voxel resolution N of generated shapes; images are 2N x 2N (paper: 64).",
    "latent_dim": "Size of the latent vector z (paper: 200).",
    "generator_width": "Channels of the generator's last hidden layer (paper: 64).",
    "renderer_width": "Channels of RenderNet's first 3D convolution.",
    "renderer_projection_channels": "Channels after RenderNet's projection unit.",
    "discriminator_width": "Channels of the discriminator's first convolution (paper: 64).",
    "batch_size": "Images per step: the global batch, split evenly over the replicas of --distribution.",
    "train_steps": "Total steps (IG-GAN: 1:1:1, D, R and G each updated once per step; baselines: D and G once).",
    "generator_learning_rate": "Adam learning rate of G (paper: 2e-4).",
    "discriminator_learning_rate": "Adam learning rate of D (paper: 2e-4).",
    "renderer_learning_rate": "Adam learning rate of R during GAN training (paper: 2e-5).",
    "dom_weight": "lambda: weight of DOM over L2, L2 on the paper's 128^2 pixel scale (paper: 100; 0 = no DOM).",
    "train_renderer": "Keep training R during GAN training (paper's Retrained); false = Fixed renderer.",
    "discriminator_input": "What D sees as generated images: opengl (IG-GAN) or rendernet (paper Table 2 ablation).",
    "generator_ema_decay": "Decay of a moving average of G's weights used for samples, evaluation and export "
                           "(not in the paper; 0: none, use G itself).",
    "r1_weight": "gamma of an R1 gradient penalty on D at dataset images (not in the paper; 0: none).",
    "augment": "Differentiable transforms of every image D sees, from translation,cutout,color (not in the paper; "
               "empty: none).",
    "minibatch_stddev_group": "Images per group of D's minibatch standard deviation feature, dividing "
                              "--batch_size (not in the paper; 0: none).",
    "pretrained_renderer": "Directory of a renderer from tools/pretrain_renderer.py; empty: pre-train in the run.",
    "pretrain_class": "Procedural class to pre-train R on when --pretrained_renderer is empty (paper Table 3).",
    "pretrain_shapes": "Shapes used to pre-train R.",
    "pretrain_steps": "Steps of R pre-training.",
    "pretrain_batch_size": "Examples per step of R pre-training (default: --batch_size).",
    "renderer": "Off-the-shelf renderer drawing generated shapes; the dataset must be drawn by it too "
                "(configs <name>_<renderer>, e.g. synthetic_shapes/tub_500_64_blender).",
    "shadows": "Let the renderer cast shadows; the dataset must agree (configs <name>_noshadows without).",
    "render_workers": "OpenGL render worker processes.",
    "gpu_memory_limit_mb": "TensorFlow's memory per GPU in MB (0: grow as needed); the rest is left to the EGL "
                           "render workers on the same GPU.",
    "online_render_workers": "With --online_views: worker processes of the input's own OpenGL pool (default: "
                             "--render_workers), which renders while the training step renders.",
    "mixed_precision": "bfloat16 mixed precision for the networks (losses stay float32).",
    "distribution": "none (one device), mirrored (tf.distribute.MirroredStrategy over this machine's GPUs) or "
                    "multi_worker (MultiWorkerMirroredStrategy over the workers TF_CONFIG lists; run the same command "
                    "on every worker). A workdir resumes in any mode with the same --batch_size.",
    "seed": "Seed of latent vectors, thresholds, views and data order.",
    "checkpoint_every": "Steps between checkpoints (at most this many steps are lost on a crash).",
    "keep_checkpoints": "Checkpoints kept.",
    "log_every": "Steps between TensorBoard scalars.",
    "sample_every": "Steps between sample grids and meshes in <workdir>/samples (0: none).",
    "eval_every": "Steps between in-training evaluations (0: none).",
    "eval_samples": "Generated shapes per in-training evaluation.",
    "export": "Export the generator as a SavedModel into <workdir>/export/generator at the end.",
    "report": "Write a static HTML report of the run into <workdir>/report at the end (as iggan-report does).",
}


# String fields whose flag accepts only these values.
_CHOICES = {"renderer": RENDERER_NAMES, "method": METHOD_NAMES}


def _define_flags() -> None:
    """One absl flag per TrainingConfig field, with the dataclass default."""
    for field in dataclasses.fields(TrainingConfig):
        default = None if field.default is dataclasses.MISSING else field.default
        help_text = _HELP[field.name]
        if field.name in _CHOICES:
            flags.DEFINE_enum(field.name, default, _CHOICES[field.name], help_text)
        elif field.type is bool:
            flags.DEFINE_boolean(field.name, default, help_text)
        elif field.type in (int, int | None):
            flags.DEFINE_integer(field.name, default, help_text)
        elif field.type is float:
            flags.DEFINE_float(field.name, default, help_text)
        else:
            flags.DEFINE_string(field.name, default, help_text)
    flags.mark_flag_as_required("workdir")


_define_flags()
FLAGS = flags.FLAGS


def config_from_flags() -> TrainingConfig:
    """The TrainingConfig the flags describe; an invalid value becomes a flags error naming the flag."""
    values = {field.name: FLAGS[field.name].value for field in dataclasses.fields(TrainingConfig)}
    try:
        config = TrainingConfig(**values)
        check_workdir(config)
        return config
    except ValueError as error:
        raise flags.IllegalFlagValueError(str(error)) from None


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    try:
        config = config_from_flags()
    except flags.IllegalFlagValueError as error:
        raise app.UsageError(str(error)) from None
    from iggan_tf.training.loop import train  # TensorFlow loads only once the flags are known to be valid

    result = train(config, flags_text=FLAGS.flags_into_string(), command=shlex.join(["iggan-train", *sys.argv[1:]]))
    logging.info("done: step %d, export %s", result["step"], result["export_dir"])


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    sys.exit(run())
