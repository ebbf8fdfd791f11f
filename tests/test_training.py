"""The training run: its config and flag errors, resuming after SIGKILL, exact (bitwise) resume after an early end
or a SIGTERM, stopping on a non-finite loss or update before it is checkpointed, online-views runs evaluating
without the stored dataset, and every flagfile in flags/ running a step at reduced size (so none rots).

The binary runs in subprocesses: its absl flags share names with other binaries imported by other tests.
"""

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from iggan_tf.training import loop
from iggan_tf.training.config import TrainingConfig, config_from_flagfile

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
FLAGFILES = sorted((REPOSITORY / "flags").glob("*.flags"))
# Small enough for a 2-core CPU: a step takes well under a second once traced.
TINY_RENDERER = ["--renderer_width=2", "--renderer_projection_channels=8", "--pretrain_shapes=2", "--pretrain_steps=1",
                 "--pretrain_batch_size=2"]
TINY = [
    "--voxel_size=32", "--generator_width=4", "--discriminator_width=4", "--batch_size=2", "--render_workers=1",
    "--sample_every=0", "--eval_every=0", "--log_every=1", "--noexport", *TINY_RENDERER,
]
SMALL_DATASET = "synthetic_shapes/tub_500_64"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A tfds data dir holding the small dataset the runs here train on (built once, about 30 s)."""
    directory = tmp_path_factory.mktemp("tfds")
    import iggan_tf.datasets  # noqa: F401  registers the builders
    import tensorflow_datasets as tfds

    tfds.builder(SMALL_DATASET, data_dir=str(directory)).download_and_prepare()
    return directory


def environment():
    return {**os.environ, "PYOPENGL_PLATFORM": os.environ.get("PYOPENGL_PLATFORM", "egl"), "TF_CPP_MIN_LOG_LEVEL": "2"}


def train_command(workdir, *arguments):
    return [sys.executable, "-m", "iggan_tf.train", f"--workdir={workdir}", *arguments]


def latest_checkpoint_step(workdir) -> int | None:
    state = pathlib.Path(workdir) / "checkpoints" / "checkpoint"
    if not state.exists():
        return None
    match = re.search(r'model_checkpoint_path: "ckpt-(\d+)"', state.read_text())
    return int(match.group(1)) if match else None


def test_config_rejects_bad_values_naming_the_field():
    with pytest.raises(ValueError, match="batch_size"):
        TrainingConfig(workdir="w", batch_size=0)
    with pytest.raises(ValueError, match="dataset"):
        TrainingConfig(workdir="w", dataset="tubs")
    with pytest.raises(ValueError, match="dom_weight"):
        TrainingConfig(workdir="w", dom_weight=float("nan"))
    with pytest.raises(ValueError, match="discriminator_input"):
        TrainingConfig(workdir="w", discriminator_input="photos")
    with pytest.raises(ValueError, match="pretrain_batch_size"):
        TrainingConfig(workdir="w", pretrain_batch_size=0)
    with pytest.raises(ValueError, match="generator_ema_decay"):
        TrainingConfig(workdir="w", generator_ema_decay=1.0)
    with pytest.raises(ValueError, match="gpu_memory_limit_mb"):
        TrainingConfig(workdir="w", gpu_memory_limit_mb=-1)
    with pytest.raises(ValueError, match="renderer must be one of"):
        TrainingConfig(workdir="w", renderer="povray")
    with pytest.raises(ValueError, match="online_render_workers"):
        TrainingConfig(workdir="w", online_render_workers=0)


@pytest.mark.parametrize("pretrain_batch_size, expected", [(None, 8), (16, 16)])
def test_renderer_pretraining_batch_defaults_to_the_gan_batch(monkeypatch, tmp_path, pretrain_batch_size, expected):
    from iggan_tf.gan import renderer_pretraining
    from iggan_tf.methods import iggan

    used = {}
    monkeypatch.setattr(renderer_pretraining, "pretrain_and_save",
                        lambda *args, batch_size, **kwargs: used.setdefault("batch_size", batch_size))
    config = TrainingConfig(workdir=str(tmp_path), batch_size=8, pretrain_batch_size=pretrain_batch_size)
    iggan.pretrained_rendernet(config, tmp_path, opengl_render=None)
    assert used["batch_size"] == expected


def test_a_pretrained_renderer_of_another_renderer_is_refused(tmp_path):
    from iggan_tf.gan import renderer_pretraining
    from iggan_tf.methods import iggan
    from iggan_tf.nets import make_rendernet

    config = TrainingConfig(workdir=str(tmp_path), renderer_width=2, renderer_projection_channels=8,
                            pretrained_renderer=str(tmp_path / "renderer"))
    rendernet_config = iggan.renderer_config(config)
    renderer_pretraining.save_renderer(tmp_path / "renderer", make_rendernet(rendernet_config), rendernet_config,
                                       {"renderer": "blender", "shadows": True})
    with pytest.raises(ValueError, match="--renderer=pyrender --shadows but the pre-trained renderer"):
        iggan.pretrained_rendernet(config, tmp_path, opengl_render=None)


def test_resume_allows_longer_runs_but_not_other_networks():
    previous = TrainingConfig(workdir="w")
    TrainingConfig(workdir="w", train_steps=previous.train_steps * 2).check_resumable_from(previous)
    with pytest.raises(ValueError, match="--voxel_size"):
        TrainingConfig(workdir="w", voxel_size=64).check_resumable_from(previous)
    with pytest.raises(ValueError, match="--renderer=blender differs from --renderer=pyrender"):
        TrainingConfig(workdir="w", renderer="blender").check_resumable_from(previous)
    with pytest.raises(ValueError, match="--shadows=False differs"):
        TrainingConfig(workdir="w", shadows=False).check_resumable_from(previous)


def test_flagfile_parsing_rejects_unknown_flags(tmp_path):
    path = tmp_path / "bad.flags"
    path.write_text("--voxel_size=32\n--nonsense=1\n")
    with pytest.raises(ValueError, match="nonsense"):
        config_from_flagfile(path)
    path.write_text("# comment\n--notrain_renderer\n--online_views\n--batch_size=3\n")
    config = config_from_flagfile(path, workdir="w")
    assert (config.train_renderer, config.online_views, config.batch_size) == (False, True, 3)


def test_config_round_trips_through_json():
    config = TrainingConfig(workdir="w", online_views=True, online_objects=3, data_dir="/data", renderer="blender",
                            shadows=False)
    assert TrainingConfig.from_json(config.to_json()) == config
    assert TrainingConfig(workdir="w").renderer == "pyrender" and TrainingConfig(workdir="w").shadows


def test_a_workdir_from_before_renderers_had_names_is_not_resumed_with_the_new_renderer():
    stored = json.loads(TrainingConfig(workdir="w").to_json())
    del stored["renderer"], stored["shadows"]
    previous = TrainingConfig.from_json(json.dumps(stored))
    assert (previous.renderer, previous.shadows) == ("pyrender_unlit", False)
    with pytest.raises(ValueError, match="--renderer=pyrender differs from --renderer=pyrender_unlit"):
        TrainingConfig(workdir="w").check_resumable_from(previous)


def test_a_renderer_without_shadows_asks_for_noshadows():
    with pytest.raises(ValueError, match="--renderer=pyrender_unlit draws no shadows: add --noshadows"):
        TrainingConfig(workdir="w", renderer="pyrender_unlit")
    assert not TrainingConfig(workdir="w", renderer="pyrender_unlit", shadows=False).shadows


def test_flagfile_renderer_and_shadows_parse(tmp_path):
    path = tmp_path / "blender.flags"
    path.write_text("--renderer=blender\n--noshadows\n")
    config = config_from_flagfile(path)
    assert (config.renderer, config.shadows) == ("blender", False)


@pytest.mark.parametrize(
    "arguments, flag",
    [(["--batch_size=0"], "batch_size"), (["--generator_learning_rate=-1"], "generator_learning_rate"),
     (["--discriminator_input=photos"], "discriminator_input"), (["--dataset=tubs"], "dataset"),
     (["--renderer=povray"], "--renderer=povray: value should be one of <pyrender"),
     (["--distribution=parameter_server"], "tf.py_function, which runs only in the Python process that traced it")],
)
def test_invalid_flags_fail_before_training_naming_the_flag(tmp_path, arguments, flag):
    result = subprocess.run(train_command(tmp_path / "run", *arguments), capture_output=True, text=True,
                            env=environment(), timeout=120)
    assert result.returncode != 0
    assert flag in result.stderr
    assert not (tmp_path / "run").exists()  # nothing was started


def test_a_dataset_of_another_renderer_is_refused_before_anything_is_rendered_or_recorded(tmp_path):
    from iggan_tf.training import loop

    config = TrainingConfig(workdir=str(tmp_path / "run"), dataset=SMALL_DATASET, data_dir=str(tmp_path / "tfds"),
                            renderer="blender")
    with pytest.raises(ValueError, match=f"--renderer=blender --shadows but {SMALL_DATASET} was rendered by pyrender"):
        loop.train(config)
    assert not (tmp_path / "run").exists() and not list(tmp_path.rglob("*.tfrecord*"))


def test_flagfiles_hold_valid_configs_of_known_datasets():
    """Every flagfile parses into a TrainingConfig whose dataset is a registered tfds config."""
    from iggan_tf.datasets.shapenet_renders.shapenet_renders_dataset_builder import Builder as ShapeNetBuilder
    from iggan_tf.datasets.synthetic_shapes.synthetic_shapes_dataset_builder import Builder as SyntheticBuilder

    known = {f"{builder.name}/{config.name}" for builder in (SyntheticBuilder, ShapeNetBuilder)
             for config in builder.BUILDER_CONFIGS}
    assert len(FLAGFILES) >= 19
    for path in FLAGFILES:
        config = config_from_flagfile(path)
        assert config.dataset in known, f"{path.name}: unknown dataset {config.dataset}"


def test_the_blender_tubs_flagfile_is_cpu_tub_with_blender_only():
    """The Blender-in-the-loop run compares renderers alone: same data setting, shadows and training as cpu_tub."""
    reference = config_from_flagfile(REPOSITORY / "flags" / "cpu_tub.flags")
    blender = config_from_flagfile(REPOSITORY / "flags" / "cpu_tub_blender.flags")
    assert blender.changes_from(reference) == {"dataset": "synthetic_shapes/tub_one_per_model_64_blender_noshadows", "renderer": "blender"}


def tiny_flags(flagfile) -> list:
    """The flags that shrink `flagfile`'s run to one step at TINY sizes on the small dataset (the flagfile's own
    dataset would take minutes to hours to build here). A baseline gets no renderer flags: it trains no renderer
    and refuses them."""
    from iggan_tf.methods import NEURAL_RENDERER_METHODS

    config = config_from_flagfile(flagfile)
    tiny = TINY if config.method in NEURAL_RENDERER_METHODS else [flag for flag in TINY if flag not in TINY_RENDERER]
    return [f"--dataset={small_dataset_of(config)}", "--train_steps=1", "--online_objects=4", *tiny]


def small_dataset_of(config) -> str:
    """SMALL_DATASET as drawn by `config`'s renderer (a run is refused on a dataset of another renderer); the run
    builds it when it is not SMALL_DATASET itself."""
    from iggan_tf.datasets.settings import config_name

    return "synthetic_shapes/" + config_name("tub", "500", 64, config.renderer, config.shadows)


def run_flagfile_for_one_step(flagfile, workdir, data_dir):
    """Runs `flagfile` for one step at reduced size (tiny_flags); its other flags (method, online views,
    ablations, ...) stay in force."""
    result = subprocess.run(
        train_command(workdir, f"--flagfile={flagfile}", f"--data_dir={data_dir}", *tiny_flags(flagfile)),
        capture_output=True, text=True, env=environment(), timeout=600, cwd=REPOSITORY,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert latest_checkpoint_step(workdir) == 1
    # The workdir records the command line, which iggan-eval copies into eval.json.
    assert (workdir / "command.txt").read_text().startswith(f"iggan-train --workdir={workdir} --flagfile={flagfile}")
    # The run ends with its report (tests/test_report.py opens reports in a browser).
    assert f"--flagfile={flagfile}" in (workdir / "report" / "index.html").read_text()


# The default suite runs one flagfile, for the loop's online-views path, which no other default test trains
# through (stored views train in the non-finite-loss test and others; the Table 2 ablation's fixed renderer and
# D on neural renders are train-step paths, tested in test_gan.py). Every other flagfile, the quickstart's
# included, runs in the slow suite (~50 s each), once per distinct run at TINY sizes: flagfiles that differ only in
# what TINY replaces (their dataset, sizes, steps; e.g. the paper's 500 setting of tubs and of couches) run once.
# The networks at the paper flagfiles' real sizes are checked in test_paper_scale_networks.py.
REPRESENTATIVE = ("paper_tub_unlimited.flags",)


def distinct_tiny_runs() -> list:
    """The flagfiles but REPRESENTATIVE, one per distinct TrainingConfig under tiny_flags."""
    runs = {}
    for path in FLAGFILES:
        flags = tiny_flags(path)
        dataset = next(flag for flag in flags if flag.startswith("--dataset=")).partition("=")[2]
        config = config_from_flagfile(path, [flag for flag in flags if not flag.startswith("--dataset=")],
                                      dataset=dataset)
        runs.setdefault(config, []).append(path.name)
    return [names[0] for names in runs.values() if not set(names) & set(REPRESENTATIVE)]


@pytest.mark.parametrize("flagfile", REPRESENTATIVE)
def test_representative_flagfiles_run_a_step_at_tiny_sizes(flagfile, tmp_path, data_dir):
    run_flagfile_for_one_step(REPOSITORY / "flags" / flagfile, tmp_path / "run", data_dir)


@pytest.mark.slow
@pytest.mark.parametrize("flagfile", distinct_tiny_runs())
def test_every_flagfile_runs_a_step_at_tiny_sizes(flagfile, tmp_path, data_dir):
    from iggan_tf.render import backends

    reason = backends.backend(config_from_flagfile(REPOSITORY / "flags" / flagfile).renderer).unavailable_reason()
    if reason is not None:
        pytest.skip(f"{flagfile}: its renderer is unavailable: {reason}")
    run_flagfile_for_one_step(REPOSITORY / "flags" / flagfile, tmp_path / "run", data_dir)


@pytest.mark.slow  # ~100 s: the default suite keeps to its 10-minute budget
def test_sigkill_then_the_same_command_resumes_without_losing_checkpointed_steps(tmp_path, data_dir):
    workdir = tmp_path / "run"
    command = train_command(workdir, f"--dataset={SMALL_DATASET}", f"--data_dir={data_dir}", *TINY,
                            "--checkpoint_every=1", "--train_steps=1000")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment(),
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while (latest_checkpoint_step(workdir) or 0) < 3:
            assert process.poll() is None, "training ended before it was killed"
            assert time.monotonic() < deadline, "no third checkpoint within 300 s"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the trainer and its render workers, mid-step
        process.wait()
    killed_at = latest_checkpoint_step(workdir)
    target = killed_at + 2
    resumed = subprocess.run(
        train_command(workdir, f"--dataset={SMALL_DATASET}", f"--data_dir={data_dir}", *TINY,
                      "--checkpoint_every=1", f"--train_steps={target}"),
        capture_output=True, text=True, env=environment(), timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    match = re.search(r"resumed from \S+ at step (\d+)", resumed.stderr)
    assert match and int(match.group(1)) >= killed_at
    assert latest_checkpoint_step(workdir) == target
    assert not (workdir / "renderer" / "partial.rendernet.weights.h5").exists()


@pytest.mark.slow  # ~45 s: the default suite keeps to its 10-minute budget
def test_a_run_with_a_weight_average_checkpoints_it_and_exports_it(tmp_path, data_dir):
    import tensorflow as tf

    from iggan_tf.serving.generator_savedmodel import load_generator
    from iggan_tf.serving.workdir_export import restore_generator
    from iggan_tf.training import loop

    config = TrainingConfig(
        workdir=str(tmp_path / "run"), dataset=SMALL_DATASET, data_dir=str(data_dir), generator_width=4,
        renderer_width=2, renderer_projection_channels=8, discriminator_width=4, batch_size=2, pretrain_shapes=2,
        pretrain_steps=1, render_workers=1, sample_every=0, train_steps=2, generator_ema_decay=0.5,
    )
    exported = load_generator(loop.train(config)["export_dir"])
    averaged, _, checkpoint_path, _ = restore_generator(config.workdir)
    generator, _ = loop.build_generator_and_discriminator(config)
    tf.train.Checkpoint(generator=generator).restore(checkpoint_path).expect_partial()
    z = np.random.default_rng(0).standard_normal((2, config.latent_dim)).astype(np.float32)
    np.testing.assert_allclose(exported.generate(z), averaged(z, training=False).numpy()[..., 0], atol=1e-6)
    # Two steps leave the average ~1e-4 from G in its outputs (far above the atol above); its weights are not G's.
    assert any(not np.array_equal(a, g) for a, g in zip(averaged.get_weights(), generator.get_weights()))


def tiny_config(workdir, data_dir, **fields) -> TrainingConfig:
    """The TINY run as a TrainingConfig, for runs inside the test process."""
    return TrainingConfig(
        workdir=str(workdir), dataset=SMALL_DATASET, data_dir=str(data_dir), generator_width=4, renderer_width=2,
        renderer_projection_channels=8, discriminator_width=4, batch_size=2, pretrain_shapes=2, pretrain_steps=1,
        render_workers=1, sample_every=0, log_every=1, export=False, **fields,
    )


def logged_scalars(workdir) -> dict:
    """{(tag, step): value} of a run's TensorBoard scalars; a resumed run's later event file wins."""
    import tensorflow as tf

    scalars = {}
    for path in sorted((pathlib.Path(workdir) / "tensorboard").glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if not value.tensor.tensor_shape.dim:  # not an image summary
                    scalars[(value.tag, event.step)] = float(tf.make_ndarray(value.tensor))
    return scalars


def checkpoint_values(workdir, step: int) -> dict:
    """Every saved tensor of checkpoint `step` by name, but the save counter (how often a process saved)."""
    import tensorflow as tf

    reader = tf.train.load_checkpoint(str(pathlib.Path(workdir) / "checkpoints" / f"ckpt-{step}"))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name not in ("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter/.ATTRIBUTES/VARIABLE_VALUE")}


def assert_same_continuation(uninterrupted, resumed, resumed_from: int, steps: int) -> None:
    """Bitwise the same checkpoint at `steps` (weights, optimizers, random state) and the same logged losses
    and metrics after `resumed_from`. CPU kernels here are deterministic, so no tolerance is needed."""
    expected, actual = checkpoint_values(uninterrupted, steps), checkpoint_values(resumed, steps)
    assert sorted(expected) == sorted(actual)
    assert any(name.startswith("generator/") for name in expected)
    differing = [name for name in expected if not np.array_equal(expected[name], actual[name])]
    assert not differing, differing
    expected_logs, actual_logs = logged_scalars(uninterrupted), logged_scalars(resumed)
    after_resume = sorted(key for key in expected_logs if key[1] > resumed_from and key[0] != "steps_per_second")
    from iggan_tf.gan import IGGAN

    assert len(after_resume) >= len(IGGAN.LOSS_NAMES) * (steps - resumed_from)
    assert [actual_logs.get(key) for key in after_resume] == [expected_logs[key] for key in after_resume]


def test_stored_views_started_at_a_later_batch_continue_the_whole_stream(data_dir):
    """The fast part of exact resume: a resumed run's input starts at its step and sees what an uninterrupted
    run sees from there (the runs below check the rest, end to end)."""
    from iggan_tf.training import real_images

    builder = real_images.load_builder(SMALL_DATASET, str(data_dir))
    whole = [batch.numpy() for batch in real_images.stored_view_batches(builder, 3, seed=1).take(5)]
    resumed = [batch.numpy() for batch in real_images.stored_view_batches(builder, 3, seed=1, first_batch=3).take(2)]
    for expected, actual in zip(whole[3:], resumed, strict=True):
        np.testing.assert_array_equal(expected, actual)
    assert whole[0].dtype == np.float32 and whole[0].shape == (3, 64, 64, 1) and 0 <= whole[0].min() <= whole[0].max() <= 1
    assert not np.array_equal(whole[0], whole[1])


@pytest.mark.slow  # three runs in this process: about 40 s each on an idle 2-core machine
@pytest.mark.parametrize("online_views", [False, True])
def test_a_resumed_run_continues_bitwise_like_an_uninterrupted_one(tmp_path, data_dir, online_views):
    half = 2
    fields = {"online_views": online_views, "online_objects": 5 if online_views else None, "checkpoint_every": half}
    loop.train(tiny_config(tmp_path / "whole", data_dir, train_steps=2 * half, **fields))
    loop.train(tiny_config(tmp_path / "resumed", data_dir, train_steps=half, **fields))
    loop.train(tiny_config(tmp_path / "resumed", data_dir, train_steps=2 * half, **fields))
    assert_same_continuation(tmp_path / "whole", tmp_path / "resumed", half, 2 * half)


def test_a_non_finite_loss_stops_training_naming_the_step_and_keeps_the_last_good_checkpoint(
    tmp_path, data_dir, monkeypatch
):
    import tensorflow as tf

    from iggan_tf.gan.model import IGGAN
    from iggan_tf.training import loop

    poison_at_step = 3
    calls = tf.Variable(0, dtype=tf.int64)
    train_step = IGGAN.train_step

    def poisoned_train_step(self, real_images):
        logs = train_step(self, real_images)
        calls.assign_add(1)
        nan_from_now = tf.where(calls >= poison_at_step, tf.constant(np.nan, tf.float32), 0.0)
        return {**logs, "g_loss": logs["g_loss"] + nan_from_now}

    monkeypatch.setattr(IGGAN, "train_step", poisoned_train_step)
    config = TrainingConfig(
        workdir=str(tmp_path / "run"), dataset=SMALL_DATASET, data_dir=str(data_dir), generator_width=4,
        renderer_width=2, renderer_projection_channels=8, discriminator_width=4, batch_size=2, pretrain_shapes=2,
        pretrain_steps=1, render_workers=1, sample_every=0, checkpoint_every=1, train_steps=10, export=False,
    )
    with pytest.raises(loop.NonFiniteLossError, match=f"step {poison_at_step}"):
        loop.train(config)
    assert latest_checkpoint_step(config.workdir) == poison_at_step - 1
    reader = tf.train.load_checkpoint(str(pathlib.Path(config.workdir) / "checkpoints" / f"ckpt-{poison_at_step - 1}"))
    for name in reader.get_variable_to_shape_map():
        value = reader.get_tensor(name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), name


@pytest.mark.slow  # two trainer processes and one run in this process
def test_sigterm_ends_the_step_saves_it_and_the_resumed_run_matches_an_uninterrupted_one(tmp_path, data_dir):
    target = 6
    loop.train(tiny_config(tmp_path / "whole", data_dir, train_steps=target, checkpoint_every=1))
    workdir = tmp_path / "stopped"
    arguments = [f"--dataset={SMALL_DATASET}", f"--data_dir={data_dir}", *TINY, "--checkpoint_every=2"]
    process = subprocess.Popen(train_command(workdir, *arguments, "--train_steps=1000"), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=environment())
    deadline = time.monotonic() + 300
    while (latest_checkpoint_step(workdir) or 0) < 2:
        assert process.poll() is None, "training ended before it was stopped"
        assert time.monotonic() < deadline, "no second checkpoint within 300 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)  # most likely mid-step 3: the step must end and be saved as step 3
    _, stderr = process.communicate(timeout=300)
    assert process.returncode != 0
    match = re.search(r"stopped by signal 15: the checkpoint of step (\d+) is saved", stderr)
    assert match, stderr[-3000:]
    stopped_at = int(match.group(1))
    assert 2 <= stopped_at < target and latest_checkpoint_step(workdir) == stopped_at
    assert checkpoint_values(workdir, stopped_at)["step/.ATTRIBUTES/VARIABLE_VALUE"] == stopped_at
    resumed = subprocess.run(train_command(workdir, *arguments, f"--train_steps={target}"), capture_output=True,
                             text=True, env=environment(), timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert_same_continuation(tmp_path / "whole", workdir, stopped_at, target)


def test_the_finite_state_guard_names_the_part_that_is_not_finite(tmp_path):
    import tensorflow as tf

    from iggan_tf.gan import IGGAN, UniformViewSampler
    from iggan_tf.geometry.cameras import FULL_TURN_HIGH
    from iggan_tf.methods.iggan import renderer_config
    from iggan_tf.nets import make_rendernet

    config = tiny_config(tmp_path, tmp_path)
    generator, discriminator = loop.build_generator_and_discriminator(config)
    model = IGGAN(generator, make_rendernet(renderer_config(config)), discriminator, lambda *views: None,
                  UniformViewSampler(FULL_TURN_HIGH), seed=0)
    model.compile()
    all_finite = loop.finite_state_function(model)
    assert all(bool(value) for value in all_finite().values())
    loop._check_finite({"g_loss": 0.5}, all_finite(), step=7, last_checkpoint=None)
    kernel = discriminator.trainable_variables[0]
    kernel.assign(tf.tensor_scatter_nd_update(kernel, [[0] * len(kernel.shape)], [np.inf]))
    state = all_finite()
    assert [name for name, value in state.items() if not bool(value)] == ["discriminator"]
    with pytest.raises(loop.NonFiniteLossError, match=r"step 7: non-finite values in discriminator after the update"):
        loop._check_finite({"g_loss": 0.5}, state, step=7, last_checkpoint=None)


@pytest.mark.slow  # a run in this process
def test_an_update_that_makes_weights_non_finite_stops_training_before_it_is_checkpointed(
    tmp_path, data_dir, monkeypatch
):
    """The losses of the poisoned step are finite (they are computed before the update), so only the guard
    after the update can stop it; the checkpoint left on disk restores to finite weights."""
    import tensorflow as tf

    from iggan_tf.gan.model import IGGAN

    poison_at_step = 3
    updates = tf.Variable(0, dtype=tf.int64)
    compile_model = IGGAN.compile

    def compile_with_an_infinite_generator_gradient(self, **kwargs):
        compile_model(self, **kwargs)
        apply_gradients = self.generator_optimizer.apply_gradients

        def apply_poisoned_gradients(gradients_and_variables):
            updates.assign_add(1)
            factor = tf.where(updates >= poison_at_step, tf.constant(np.inf, tf.float32), 1.0)
            return apply_gradients([(gradient * factor, variable) for gradient, variable in gradients_and_variables])

        self.generator_optimizer.apply_gradients = apply_poisoned_gradients

    monkeypatch.setattr(IGGAN, "compile", compile_with_an_infinite_generator_gradient)
    config = tiny_config(tmp_path / "run", data_dir, checkpoint_every=1, train_steps=10)
    with pytest.raises(loop.NonFiniteLossError, match=f"step {poison_at_step}: non-finite values in generator"):
        loop.train(config)
    assert latest_checkpoint_step(config.workdir) == poison_at_step - 1
    generator, _ = loop.build_generator_and_discriminator(config)
    checkpoint_path = pathlib.Path(config.workdir) / "checkpoints" / f"ckpt-{poison_at_step - 1}"
    tf.train.Checkpoint(generator=generator).restore(str(checkpoint_path)).expect_partial().assert_existing_objects_matched()
    assert all(np.all(np.isfinite(weight)) for weight in generator.get_weights())
    for name, value in checkpoint_values(config.workdir, poison_at_step - 1).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), name


def test_online_views_runs_evaluate_against_the_stored_test_renders_without_preparing_the_dataset(data_dir, tmp_path):
    """An online-views run reads only the builder's definition and renders the held-out objects itself,
    exactly as the builder stored them."""
    from iggan_tf.datasets import online_views
    from iggan_tf.evaluation.held_out_data import load_held_out_data
    from iggan_tf.render import OpenGLRenderer
    from iggan_tf.training import real_images

    unprepared = real_images.load_builder(SMALL_DATASET, str(tmp_path / "empty"), prepare=False)
    assert not (tmp_path / "empty").exists() or not any((tmp_path / "empty").rglob("*.tfrecord*"))
    real_images.check_image_size(unprepared, 64)
    assert real_images.view_range_of(unprepared) == real_images.view_range_of(real_images.load_builder(SMALL_DATASET, str(data_dir)))
    with OpenGLRenderer(64, workers=1) as renderer:
        rendered = online_views.held_out_renders(unprepared, None, renderer)
    stored = load_held_out_data(SMALL_DATASET, str(data_dir)).held_out_images
    assert rendered.shape == stored.shape and rendered.dtype == stored.dtype
    # tfds stores examples shuffled by key: the same images, in another order.
    assert sorted(image.tobytes() for image in rendered) == sorted(image.tobytes() for image in stored)
