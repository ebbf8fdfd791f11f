"""Exports the generator of a training workdir (config.json + checkpoints/) as a SavedModel version, after the
fact: the same export that training writes at its end, from the latest checkpoint."""

import dataclasses
import pathlib

import keras
import tensorflow as tf

from iggan_tf.methods.registry import training_method
from iggan_tf.serving.generator_savedmodel import export_generator
from iggan_tf.training.config import TrainingConfig, workdir_config_path


def restore_generator(workdir) -> tuple[keras.Model, TrainingConfig, str, int]:
    """(generator, run config, checkpoint path, step) from the workdir's latest checkpoint: the generator of the
    run's method (voxels, or images for the 2D baseline).

    The generator is built under the dtype policy the run trained with, so it computes like the generator that
    training exports itself. ValueError naming the workdir when its config or checkpoints are missing.
    """
    workdir = pathlib.Path(workdir)
    config_path = workdir_config_path(workdir)
    if not config_path.is_file():
        raise ValueError(f"workdir {str(workdir)!r} has no {config_path.name}: not a training workdir")
    config = TrainingConfig.from_json(config_path.read_text())
    checkpoint_path = tf.train.latest_checkpoint(str(workdir / "checkpoints"))
    if checkpoint_path is None:
        raise ValueError(f"workdir {str(workdir)!r} has no checkpoint in checkpoints/ yet")
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if config.mixed_precision else "float32")
    try:
        generator = training_method(config.method).build_generator(config)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    step = tf.Variable(0, dtype=tf.int64, name="step")
    # Only the generator the run samples from (G's weight average when it kept one) and the step are read; the
    # other networks and optimizers in the checkpoint are skipped.
    role = "averaged_generator" if config.generator_ema_decay else "generator"
    status = tf.train.Checkpoint(step=step, **{role: generator}).restore(checkpoint_path)
    status.expect_partial().assert_existing_objects_matched()
    return generator, config, checkpoint_path, int(step.numpy())


def export_from_workdir(workdir, version: int | None = None) -> pathlib.Path:
    """Writes `<workdir>/export/generator/<version>/` from the latest checkpoint; returns that directory."""
    generator, config, checkpoint_path, step = restore_generator(workdir)
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
