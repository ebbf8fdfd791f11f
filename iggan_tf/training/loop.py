"""One IG-GAN training run in a self-describing workdir: data, networks, the OpenGL pool, the step loop,
checkpoints, summaries, snapshots and the final SavedModel export.

Workdir layout: config.json and flags.txt (what was run), checkpoints/ (the last few, atomic), renderer/
(the pre-trained RenderNet), tensorboard/, samples/ (PNG grids and meshes), export/generator/<version>/.
Rerunning the same command resumes from the latest checkpoint; a crash loses at most `checkpoint_every` steps.
"""

import contextlib
import dataclasses
import math
import os
import pathlib
import signal
import time

import keras
import numpy as np
import tensorflow as tf
import tqdm
from absl import logging

from iggan_tf.devices import share_gpus_with_render_workers
from iggan_tf.evaluation.during_training import evaluate_generator
from iggan_tf.evaluation.held_out_data import load_held_out_data
from iggan_tf.gan import Hyperparameters, IGGAN, UniformViewSampler
from iggan_tf.gan import renderer_pretraining
from iggan_tf.nets import DiscriminatorConfig, GeneratorConfig, RenderNetConfig
from iggan_tf.nets import make_discriminator, make_generator
from iggan_tf.render import OpenGLRenderer, opengl_render_function
from iggan_tf.serving.generator_savedmodel import export_generator
from iggan_tf.training import real_images
from iggan_tf.training.config import TRAINING_COMMAND_FILE, TrainingConfig, check_workdir, workdir_config_path
from iggan_tf.training.snapshots import Snapshots

LOSS_NAMES = ("d_loss", "r_l2", "r_dom", "g_loss")


class NonFiniteLossError(FloatingPointError):
    """Training stopped because a loss became NaN or infinite; the last good checkpoint is kept."""


def prepare_workdir(config: TrainingConfig, flags_text: str = "", command: str = "") -> pathlib.Path:
    """Creates the workdir or checks that it holds the same run; writes config.json and flags.txt atomically and
    adds `command` to command.txt (one line per invocation: the first started the run, later ones resumed it)."""
    workdir = pathlib.Path(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    check_workdir(config)
    _write_atomically(workdir_config_path(workdir), config.to_json() + "\n")
    if flags_text:
        _write_atomically(workdir / "flags.txt", flags_text)
    if command:
        commands = workdir / TRAINING_COMMAND_FILE
        earlier = commands.read_text() if commands.exists() else ""
        _write_atomically(commands, earlier + command + "\n")
    return workdir


def _write_atomically(path: pathlib.Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def build_generator_and_discriminator(config: TrainingConfig):
    """(generator, discriminator) at the config's sizes; the renderer comes from `pretrained_rendernet`."""
    generator = make_generator(GeneratorConfig(config.voxel_size, config.latent_dim, config.generator_width))
    discriminator = make_discriminator(DiscriminatorConfig(config.image_size, 1, config.discriminator_width))
    return generator, discriminator


def renderer_config(config: TrainingConfig) -> RenderNetConfig:
    return RenderNetConfig(
        voxel_size=config.voxel_size,
        image_size=config.image_size,
        width=config.renderer_width,
        projection_channels=config.renderer_projection_channels,
    )


def pretrained_rendernet(config: TrainingConfig, workdir: pathlib.Path, opengl_render) -> keras.Model:
    """The renderer GAN training starts from: loaded from --pretrained_renderer, or pre-trained here once
    (L2 only, paper Table 3) and kept in <workdir>/renderer so a resumed run does not repeat it."""
    directory = pathlib.Path(config.pretrained_renderer) if config.pretrained_renderer else workdir / "renderer"
    if config.pretrained_renderer or (directory / renderer_pretraining.RECORD_FILE).exists():
        saved = renderer_pretraining.load_renderer(directory)
        if saved.config != renderer_config(config):
            raise ValueError(
                f"--pretrained_renderer {directory} was built as {saved.config}, but the flags ask for "
                f"{renderer_config(config)}"
            )
        renderer_pretraining.check_imitates(saved, directory, config.renderer, config.shadows)
        return saved.rendernet
    logging.info("pre-training the neural renderer on %d %s shapes for %d steps", config.pretrain_shapes,
                 config.pretrain_class, config.pretrain_steps)
    return renderer_pretraining.pretrain_and_save(
        directory, renderer_config(config), config.pretrain_class, config.pretrain_shapes, config.pretrain_steps,
        opengl_render, batch_size=config.pretrain_batch_size or config.batch_size, seed=config.seed, verbose=2,
        renderer=config.renderer, shadows=config.shadows,
    )


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (a scheduler stopping the job) ends the run like Ctrl-C: with a checkpoint of the last good step."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def train(config: TrainingConfig, flags_text: str = "", command: str = "") -> dict:
    """Runs (or resumes) training to `config.train_steps`; returns the last logged metrics and the export dir."""
    share_gpus_with_render_workers(config.gpu_memory_limit_mb)
    # A dataset drawn by another renderer is refused before the workdir records this run.
    builder = real_images.load_builder(
        config.dataset, config.data_dir, config.manual_dir, config.renderer, config.shadows
    )
    workdir = prepare_workdir(config, flags_text, command)
    keras.utils.set_random_seed(config.seed)
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    real_images.check_image_size(builder, config.image_size)
    view_range = real_images.view_range_of(builder)

    with OpenGLRenderer(config.image_size, workers=config.render_workers, renderer=config.renderer,
                        shadows=config.shadows) as opengl_renderer, _sigterm_as_interrupt():
        opengl_render = opengl_render_function(opengl_renderer)
        if config.online_views:
            dataset = real_images.online_view_batches(builder, config, opengl_render)
        else:
            dataset = real_images.stored_view_batches(builder, config.batch_size, config.seed)
        generator, discriminator = build_generator_and_discriminator(config)
        rendernet = pretrained_rendernet(config, workdir, opengl_render)
        model = IGGAN(
            generator, rendernet, discriminator, opengl_render, UniformViewSampler(view_range),
            hyperparameters=Hyperparameters(
                generator_learning_rate=config.generator_learning_rate,
                discriminator_learning_rate=config.discriminator_learning_rate,
                renderer_learning_rate=config.renderer_learning_rate,
                dom_weight=config.dom_weight,
                train_renderer=config.train_renderer,
                discriminator_input=config.discriminator_input,
                generator_ema_decay=config.generator_ema_decay,
            ),
            seed=config.seed,
        )
        model.compile()
        step = tf.Variable(0, dtype=tf.int64, name="step")
        checkpoint = tf.train.Checkpoint(
            step=step, generator=generator, rendernet=rendernet, discriminator=discriminator,
            generator_optimizer=model.generator_optimizer, discriminator_optimizer=model.discriminator_optimizer,
            renderer_optimizer=model.renderer_optimizer, random_generator=model.random_generator,
            **({"averaged_generator": model.averaged_generator} if model.averaged_generator is not None else {}),
        )
        manager = tf.train.CheckpointManager(checkpoint, workdir / "checkpoints", max_to_keep=config.keep_checkpoints)
        if manager.latest_checkpoint:
            checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
            logging.info("resumed from %s at step %d", manager.latest_checkpoint, int(step.numpy()))
        summaries = tf.summary.create_file_writer(str(workdir / "tensorboard"))
        held_out = load_held_out_data(config.dataset, config.data_dir, config.manual_dir) if config.eval_every else None
        snapshots = Snapshots(workdir, config.latent_dim, view_range, count=min(8, config.batch_size), seed=config.seed)
        train_step = tf.function(model.train_step, jit_compile=False, reduce_retracing=True)
        batches = iter(dataset)
        logs = {}
        started_at, first_step = time.monotonic(), int(step.numpy())
        progress = tqdm.tqdm(total=config.train_steps, initial=first_step, desc="IG-GAN", unit="step", dynamic_ncols=True)
        try:
            with summaries.as_default():
                while int(step.numpy()) < config.train_steps:
                    real_batch = next(batches)
                    if isinstance(real_batch, dict):
                        real_batch = real_batch["image"]
                    for metric in model.metrics:
                        metric.reset_state()
                    logs = {name: float(value) for name, value in train_step(real_batch).items()}
                    current = int(step.numpy()) + 1
                    _check_finite(logs, current, manager.latest_checkpoint)
                    step.assign(current)
                    progress.update(1)
                    progress.set_postfix({name: f"{logs[name]:.3g}" for name in LOSS_NAMES}, refresh=False)
                    if current % config.log_every == 0 or current == config.train_steps:
                        for name, value in logs.items():
                            tf.summary.scalar(name, value, step=current)
                        tf.summary.scalar("steps_per_second", (current - first_step) / (time.monotonic() - started_at), step=current)
                    if config.sample_every and (current % config.sample_every == 0 or current == config.train_steps):
                        snapshots.write(current, model, opengl_renderer, real_batch)
                    if config.eval_every and (current % config.eval_every == 0 or current == config.train_steps):
                        scores = evaluate_generator(
                            model.sampling_generator, opengl_renderer, held_out.held_out_images,
                            held_out.class_name, view_range, config.eval_samples, seed=config.seed,
                        )
                        for name, value in scores.items():
                            tf.summary.scalar(f"eval/{name}", value, step=current)
                        logging.info("step %d evaluation on %d samples: %s", current, config.eval_samples, scores)
                    if current % config.checkpoint_every == 0 or current == config.train_steps:
                        manager.save(checkpoint_number=current)
        except KeyboardInterrupt:
            if logs and all(math.isfinite(value) for value in logs.values()):
                manager.save(checkpoint_number=int(step.numpy()))
                logging.warning("interrupted: saved a checkpoint at step %d", int(step.numpy()))
            raise
        finally:
            progress.close()
            summaries.flush()

    export_dir = None
    if config.export:
        export_dir = export_generator(
            model.sampling_generator, workdir / "export" / "generator",
            metadata={"dataset": config.dataset, "step": int(step.numpy()), "config": dataclasses.asdict(config)},
        )
        logging.info("exported the generator to %s", export_dir)
    return {"step": int(step.numpy()), "metrics": logs, "export_dir": str(export_dir) if export_dir else None}


def _check_finite(logs: dict, step: int, last_checkpoint: str | None) -> None:
    """Stops before a non-finite update is checkpointed: the weights of the last checkpoint stay good."""
    bad = {name: value for name, value in logs.items() if not math.isfinite(value)}
    if bad:
        raise NonFiniteLossError(
            f"non-finite loss at step {step}: {bad}; training stopped, the last good checkpoint is "
            f"{last_checkpoint or 'none (no checkpoint was written yet)'}"
        )
