"""Exports the generator of a training workdir (config.json + checkpoints/) as a SavedModel version, after the
fact: the same export that training writes at its end, from the latest checkpoint or from a chosen step that the
run still keeps (a GAN can be at its best before its last step)."""

import dataclasses
import pathlib

import keras
import tensorflow as tf

from iggan_tf.methods.registry import training_method
from iggan_tf.serving.generator_savedmodel import export_generator
from iggan_tf.training.config import TrainingConfig, workdir_config_path


def restore_generator(workdir, step: int | None = None) -> tuple[keras.Model, TrainingConfig, str, int]:
    """(generator, run config, checkpoint path, step) from the workdir's checkpoint of `step` (default: the latest):
    the generator of the run's method (voxels, or images for the 2D baseline).

    The generator is built under the dtype policy the run trained with, so it computes like the generator that
    training exports itself. ValueError naming the workdir when its config or checkpoints are missing, or naming
    the steps it keeps when `step` is not one of them.
    """
    workdir = pathlib.Path(workdir)
    config_path = workdir_config_path(workdir)
    if not config_path.is_file():
        raise ValueError(f"workdir {str(workdir)!r} has no {config_path.name}: not a training workdir")
    config = TrainingConfig.from_json(config_path.read_text())
    checkpoint_path = _checkpoint_of_step(workdir, step)
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if config.mixed_precision else "float32")
    try:
        generator = training_method(config.method).build_generator(config)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    restored_step = tf.Variable(0, dtype=tf.int64, name="step")
    # Only the generator the run samples from (G's weight average when it kept one) and the step are read; the
    # other networks and optimizers in the checkpoint are skipped.
    role = "averaged_generator" if config.generator_ema_decay else "generator"
    status = tf.train.Checkpoint(step=restored_step, **{role: generator}).restore(checkpoint_path)
    status.expect_partial().assert_existing_objects_matched()
    return generator, config, checkpoint_path, int(restored_step.numpy())


def _checkpoint_of_step(workdir: pathlib.Path, step: int | None) -> str:
    """Path prefix of the workdir's checkpoint of `step` (the loop numbers checkpoints by step), or its latest."""
    state = tf.train.get_checkpoint_state(str(workdir / "checkpoints"))
    if state is None or not state.all_model_checkpoint_paths:
        raise ValueError(f"workdir {str(workdir)!r} has no checkpoint in checkpoints/ yet")
    if step is None:
        return state.model_checkpoint_path
    kept = {int(path.rsplit("-", 1)[1]): path for path in state.all_model_checkpoint_paths}
    if step not in kept:
        raise ValueError(f"workdir {str(workdir)!r} keeps no checkpoint of step {step}; it keeps steps "
                         f"{sorted(kept)} (--keep_checkpoints decides how many)")
    return kept[step]


def export_from_workdir(workdir, version: int | None = None, step: int | None = None) -> pathlib.Path:
    """Writes `<workdir>/export/generator/<version>/` from the checkpoint of `step` (default: the latest); returns
    that directory."""
    generator, config, checkpoint_path, step = restore_generator(workdir, step)
    return export_generator(
        generator,
        pathlib.Path(workdir) / "export" / "generator",
        version=version,
        metadata={
            "dataset": config.dataset,
            "step": step,
            "checkpoint": pathlib.Path(checkpoint_path).name,
            "config": dataclasses.asdict(config),
        },
    )
