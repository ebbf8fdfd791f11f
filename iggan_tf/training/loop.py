"""One training run in a self-describing workdir: data, networks, the render pools, the step loop, checkpoints,
summaries, snapshots and the final SavedModel export. What is trained, IG-GAN or a baseline, is the run's
TrainingMethod (iggan_tf.methods), looked up once: the loop only sees the keras.Model it builds.

Workdir layout: config.json, flags.txt and command.txt (what was run), checkpoints/ (the last few, atomic),
renderer/ (IG-GAN's pre-trained RenderNet), tensorboard/, samples/ (PNG grids and meshes),
export/generator/<version>/, report/index.html (iggan_tf.report, written at the end).
Rerunning the same command resumes from the latest checkpoint; a crash loses at most `checkpoint_every` steps.
A checkpoint is one unit: step, weights, optimizers, the random generator, and the input position, which is the
step itself (the batch of step s is fixed by the seed and s, see iggan_tf.datasets.stream_order), so a resumed
run continues exactly as an uninterrupted one.

--distribution spreads the steps over devices or machines (iggan_tf.training.distribution); only its chief writes
the workdir, and a workdir resumes in any mode with the same global batch.
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
from iggan_tf.datasets import online_views
from iggan_tf.evaluation.during_training import evaluate_generator
from iggan_tf.evaluation.held_out_data import load_held_out_data
from iggan_tf.gan import UniformViewSampler
from iggan_tf.methods.registry import build_discriminator, training_method
from iggan_tf.render import OpenGLRenderer, opengl_render_function
from iggan_tf.report.html_report import ReportOptions, write_report
from iggan_tf.serving.generator_savedmodel import export_generator
from iggan_tf.training import real_images
from iggan_tf.training.config import TRAINING_COMMAND_FILE, TrainingConfig, check_workdir, workdir_config_path
from iggan_tf.training.distribution import make_distribution
from iggan_tf.training.snapshots import Snapshots

# The report iggan-train writes at the end of a run, inside the workdir.
REPORT_FOLDER = "report"


class NonFiniteLossError(FloatingPointError):
    """Training stopped because a loss, weight or optimizer state became NaN or infinite; the last good
    checkpoint is kept."""


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


def build_generator_and_discriminator(config: TrainingConfig, synchronized_batch_norm: bool = False):
    """(generator, discriminator) of the config's method at the config's sizes, untrained.
    `synchronized_batch_norm`: G's batch norm takes the global batch's statistics over a strategy's replicas."""
    return training_method(config.method).build_generator(config, synchronized_batch_norm), build_discriminator(config)


class _StopSignals:
    """SIGTERM (a scheduler stopping the job) and SIGINT (Ctrl-C) end the run with a checkpoint of the last
    completed step. Outside `deferred()` they raise KeyboardInterrupt at once; inside it (the step loop) they only
    set `requested`, which the loop reads between steps, so no step, checkpoint or snapshot is cut in two."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self):
        self.requested = None
        self._deferring = False

    def _handle(self, signum, frame):
        if not self._deferring:
            raise KeyboardInterrupt(f"signal {signum}")
        self.requested = signum

    def __enter__(self):
        self._previous = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        return self

    def __exit__(self, *exc_info):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    @contextlib.contextmanager
    def deferred(self):
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False


def checkpointed_state(model, step: tf.Variable) -> dict:
    """Everything a checkpoint holds, by name: the step and the model's parts (networks, their optimizers and the
    random state; IG-GAN's names are those every IG-GAN workdir has always had)."""
    return {"step": step, **model.checkpointed_parts()}


def state_variables(model, step: tf.Variable) -> list:
    """The variables of checkpointed_state: what a distributed run's chief gives the other workers at its start."""
    variables = []
    for value in checkpointed_state(model, step).values():
        if isinstance(value, tf.random.Generator):
            variables.append(value.state)
        else:
            variables.extend([value] if isinstance(value, tf.Variable) else value.variables)
    return variables


def finite_state_function(model):
    """A tf.function returning {part: bool} that says whether each network's weights and each optimizer's
    state are all finite: the guard run after every update, before anything is checkpointed or exported."""
    parts = {name: [variable for variable in value.variables if tf.as_dtype(variable.dtype).is_floating]
             for name, value in checkpointed_state(model, step=None).items() if name not in ("step", "random_generator")}

    @tf.function
    def all_finite():
        return {name: tf.reduce_all([tf.reduce_all(tf.math.is_finite(variable)) for variable in variables])
                for name, variables in parts.items()}

    return all_finite


def train(config: TrainingConfig, flags_text: str = "", command: str = "") -> dict:
    """Runs (or resumes) training to `config.train_steps`; returns the last logged metrics and the export dir (None
    on a distributed run's workers other than the chief)."""
    method = training_method(config.method)
    share_gpus_with_render_workers(config.gpu_memory_limit_mb)
    # Before any other TensorFlow operation: a multi-worker run joins its cluster here.
    with make_distribution(config.distribution) as distribution:
        distribution.check_batch_size(config.batch_size)
        return _train(config, method, distribution, flags_text, command)


def _train(config: TrainingConfig, method, distribution, flags_text: str, command: str) -> dict:
    # A dataset drawn by another renderer is refused before the workdir records this run. An online-views run
    # renders its own views: preparing the stored dataset would render its 20 views per object.
    builder = real_images.load_builder(config.dataset, config.data_dir, config.manual_dir, config.renderer,
                                       config.shadows, prepare=not config.online_views)
    workdir = prepare_workdir(config, flags_text, command) if distribution.is_chief else pathlib.Path(config.workdir)
    # The workdir on the chief; the other workers' checkpoints, summaries and export go to a temporary directory.
    outputs = distribution.output_directory(workdir)
    keras.utils.set_random_seed(config.seed)
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    real_images.check_image_size(builder, config.image_size)
    view_range = real_images.view_range_of(builder)

    with _StopSignals() as stop_signals, contextlib.ExitStack() as renderers:
        opengl_renderer = renderers.enter_context(OpenGLRenderer(
            config.image_size, workers=config.render_workers, renderer=config.renderer, shadows=config.shadows))
        opengl_render = opengl_render_function(opengl_renderer)
        model = method.build_model(config, workdir, opengl_render, UniformViewSampler(view_range), distribution)
        with distribution.scope():
            model.compile()
            step = tf.Variable(0, dtype=tf.int64, name="step")
        checkpoint = tf.train.Checkpoint(**checkpointed_state(model, step))
        manager = tf.train.CheckpointManager(checkpoint, outputs / "checkpoints", max_to_keep=config.keep_checkpoints)
        if manager.latest_checkpoint:
            checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
            logging.info("resumed from %s at step %d", manager.latest_checkpoint, int(step.numpy()))
        distribution.share_chief_state(state_variables(model, step))
        first_step = int(step.numpy())
        dataset = distribution.input_batches(_training_input(method, builder, config, renderers, first_step))
        summaries = tf.summary.create_file_writer(str(outputs / "tensorboard"))
        # Samples and evaluations are the chief's alone: they hold no collective the other workers must join.
        samples_every = config.sample_every if distribution.is_chief else 0
        evaluate_every = config.eval_every if distribution.is_chief else 0
        held_out_images = _held_out_images(config, builder, opengl_renderer) if evaluate_every else None
        snapshots = Snapshots(workdir, config.latent_dim, view_range,
                              count=min(8, distribution.local_batch_size(config.batch_size)), seed=config.seed)
        train_step = distribution.step_function(model, config.batch_size)
        state_is_finite = finite_state_function(model)
        batches = iter(dataset)
        logs = {}
        started_at = time.monotonic()
        progress = tqdm.tqdm(total=config.train_steps, initial=first_step, desc=method.name, unit="step",
                             dynamic_ncols=True)
        try:
            with summaries.as_default(), stop_signals.deferred():
                while int(step.numpy()) < config.train_steps and not stop_signals.requested:
                    real_batch = next(batches)
                    if isinstance(real_batch, dict):
                        real_batch = real_batch["image"]
                    logs = {name: float(value) for name, value in train_step(real_batch).items()}
                    current = int(step.numpy()) + 1
                    _check_finite(logs, state_is_finite(), current, manager.latest_checkpoint)
                    step.assign(current)
                    progress.update(1)
                    progress.set_postfix({name: f"{logs[name]:.3g}" for name in model.LOSS_NAMES}, refresh=False)
                    if current % config.log_every == 0 or current == config.train_steps:
                        for name, value in logs.items():
                            tf.summary.scalar(name, value, step=current)
                        tf.summary.scalar("steps_per_second", (current - first_step) / (time.monotonic() - started_at), step=current)
                    if samples_every and (current % samples_every == 0 or current == config.train_steps):
                        snapshots.write(current, model, opengl_renderer, distribution.local_images(real_batch))
                    if evaluate_every and (current % evaluate_every == 0 or current == config.train_steps):
                        scores = evaluate_generator(
                            model.sampling_generator, opengl_renderer, held_out_images,
                            builder.builder_config.class_name, view_range, config.eval_samples, seed=config.seed,
                        )
                        for name, value in scores.items():
                            tf.summary.scalar(f"eval/{name}", value, step=current)
                        logging.info("step %d evaluation on %d samples: %s", current, config.eval_samples, scores)
                    if current % config.checkpoint_every == 0 or current == config.train_steps:
                        manager.save(checkpoint_number=current)
                if stop_signals.requested:
                    stopped_at = int(step.numpy())
                    if stopped_at and manager.latest_checkpoint != os.path.join(manager.directory, f"ckpt-{stopped_at}"):
                        manager.save(checkpoint_number=stopped_at)
                    logging.warning("stopped by signal %d: the checkpoint of step %d is saved", stop_signals.requested,
                                    stopped_at)
                    raise KeyboardInterrupt(f"signal {stop_signals.requested}")
        finally:
            progress.close()
            summaries.flush()

    export_dir = None
    if config.export:
        export_dir = export_generator(
            model.sampling_generator, outputs / "export" / "generator",
            metadata={"dataset": config.dataset, "step": int(step.numpy()), "config": dataclasses.asdict(config)},
        )
        logging.info("exported the generator to %s", export_dir)
    report_index = None
    if config.report and distribution.is_chief:
        report_index = write_report([workdir], workdir / REPORT_FOLDER,
                                    ReportOptions(render_workers=config.render_workers))
        logging.info("wrote the report %s", report_index)
    return {"step": int(step.numpy()), "metrics": logs,
            "export_dir": str(export_dir) if export_dir and distribution.is_chief else None,
            "report": str(report_index) if report_index else None}


def _training_input(method, builder, config: TrainingConfig, renderers: contextlib.ExitStack, first_batch: int):
    """The input pipeline (tf.distribute.InputContext) -> tf.data.Dataset of what D sees as real from batch
    `first_batch` on: the dataset's own images (stored, or with --online_views rendered by an OpenGL pool of their
    own, entered into `renderers`), or a 3D baseline's image model drawing the dataset's shapes."""
    if method.image_model is not None:
        return lambda input_context: real_images.baseline_view_batches(
            builder, config, method.image_model, first_batch=first_batch, input_context=input_context)
    if config.online_views:
        # A pool of its own: the input's renders run while the step's renders hold the training pool.
        online_render = opengl_render_function(renderers.enter_context(
            OpenGLRenderer(config.image_size, workers=config.online_render_workers or config.render_workers,
                           renderer=config.renderer, shadows=config.shadows)
        ))
        return lambda input_context: real_images.online_view_batches(
            builder, config, online_render, first_batch=first_batch, input_context=input_context)
    return lambda input_context: real_images.stored_view_batches(
        builder, config.batch_size, config.seed, first_batch=first_batch, input_context=input_context)


def _held_out_images(config: TrainingConfig, builder, opengl_renderer) -> np.ndarray:
    """The test renders in-training evaluation compares with: the stored test split, or for an online-views
    run (whose stored dataset is not prepared) the same renders made here."""
    if config.online_views:
        return online_views.held_out_renders(builder, config.manual_dir, opengl_renderer)
    return load_held_out_data(config.dataset, config.data_dir, config.manual_dir).held_out_images


def _check_finite(logs: dict, finite_state: dict, step: int, last_checkpoint: str | None) -> None:
    """Stops before a non-finite loss or update is checkpointed: the last checkpoint stays good.

    The losses were computed before the step's updates; `finite_state` ({part: bool}) is checked after them.
    """
    bad_losses = {name: value for name, value in logs.items() if not math.isfinite(value)}
    bad_parts = sorted(name for name, finite in finite_state.items() if not bool(finite))
    if bad_losses or bad_parts:
        what = "; ".join(filter(None, [
            f"non-finite loss {bad_losses}" if bad_losses else "",
            f"non-finite values in {', '.join(bad_parts)} after the update" if bad_parts else "",
        ]))
        raise NonFiniteLossError(
            f"at step {step}: {what}; training stopped, the last good checkpoint is "
            f"{last_checkpoint or 'none (no checkpoint was written yet)'}"
        )
