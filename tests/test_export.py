"""The generator SavedModel: signatures as TF Serving sees them, loading without this package, determinism of
`sample`, versioned atomic export, and clear errors for bad inputs and paths."""

import json
import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.nets import GeneratorConfig, make_generator
from iggan_tf.serving import generator_savedmodel
from iggan_tf.serving.generator_savedmodel import export_generator, latent_codes, load_generator
from iggan_tf.serving.workdir_export import export_from_workdir
from iggan_tf.training.config import TrainingConfig, workdir_config_path

RESOLUTION = 8
LATENT_SIZE = 8
TRAINING_METADATA = {"dataset": "synthetic_shapes/tub", "flags": {"batch_size": 4, "voxel_size": RESOLUTION}}


@pytest.fixture(scope="module")
def generator():
    model = make_generator(GeneratorConfig(voxel_size=RESOLUTION, latent_dim=LATENT_SIZE, width=4))
    # Moving statistics away from (0, 1) make training-mode and inference-mode outputs differ, so the tests see
    # which mode the export uses.
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0.0, 0.5, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, layer.moving_variance.shape))
    return model


@pytest.fixture(scope="module")
def export_dir(generator, tmp_path_factory):
    return export_generator(generator, tmp_path_factory.mktemp("export") / "generator", metadata=TRAINING_METADATA)


@pytest.fixture(scope="module")
def model(export_dir):
    return load_generator(export_dir)


def direct_occupancy(generator, z):
    return generator(np.asarray(z, np.float32), training=False).numpy()[..., 0]


def parse_saved_model_cli(text: str) -> dict:
    """{signature: {"inputs"|"outputs": {name: (dtype, shape)}}} from `saved_model_cli show --all`."""
    signatures = {}
    for block in re.split(r"^signature_def\['", text, flags=re.M)[1:]:
        name = block.split("'", 1)[0]
        parsed = {"inputs": {}, "outputs": {}}
        for kind, tensor, dtype, shape in re.findall(
            r"(inputs|outputs)\['([^']+)'\] tensor_info:\s+dtype: (\w+)\s+shape: ([^\n]+)", block
        ):
            parsed[kind][tensor] = (dtype, shape.strip())
        signatures[name] = parsed
    return signatures


def test_saved_model_cli_lists_the_four_signatures(export_dir):
    cli = pathlib.Path(sys.executable).with_name("saved_model_cli")
    result = subprocess.run(
        [str(cli), "show", "--dir", str(export_dir), "--all"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    signatures = parse_saved_model_cli(result.stdout)
    voxels = {"voxels": ("DT_FLOAT", f"(-1, {RESOLUTION}, {RESOLUTION}, {RESOLUTION})")}
    z = ("DT_FLOAT", f"(-1, {LATENT_SIZE})")
    scalar_float, seed, num_samples = ("DT_FLOAT", "()"), ("DT_INT64", "()"), ("DT_INT32", "()")
    assert signatures["serving_default"] == {"inputs": {"z": z}, "outputs": voxels}
    assert signatures["binarized"] == {"inputs": {"z": z, "threshold": scalar_float}, "outputs": voxels}
    assert signatures["sample"] == {"inputs": {"seed": seed, "num_samples": num_samples}, "outputs": voxels}
    assert signatures["sample_binarized"] == {
        "inputs": {"seed": seed, "num_samples": num_samples, "threshold": scalar_float},
        "outputs": voxels,
    }


FRESH_PROCESS_SCRIPT = """
import sys
import numpy as np
import tensorflow as tf

model_dir, data_path = sys.argv[1], sys.argv[2]
loaded = tf.saved_model.load(model_dir)
z = np.load(data_path)["z"]
occupancy = loaded.signatures["serving_default"](z=tf.constant(z))["voxels"].numpy()
sampled = loaded.signatures["sample"](seed=tf.constant(11, tf.int64), num_samples=tf.constant(3))["voxels"].numpy()
np.savez(data_path, z=z, occupancy=occupancy, sampled=sampled)
print("iggan_tf imported:", any(name.split(".")[0] == "iggan_tf" for name in sys.modules))
"""


def test_savedmodel_runs_in_a_fresh_process_without_iggan_tf(export_dir, generator, model, tmp_path):
    z = np.random.default_rng(1).standard_normal((2, LATENT_SIZE)).astype(np.float32)
    data_path = tmp_path / "data.npz"
    np.savez(data_path, z=z)
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_SCRIPT, str(export_dir), str(data_path)],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "iggan_tf imported: False" in result.stdout
    outputs = np.load(data_path)
    np.testing.assert_allclose(outputs["occupancy"], direct_occupancy(generator, z), atol=1e-6)
    np.testing.assert_array_equal(outputs["sampled"], model.sample(11, 3))


def test_default_signature_is_the_generator_in_inference_mode(generator, model):
    z = np.random.default_rng(2).standard_normal((3, LATENT_SIZE)).astype(np.float32)
    occupancy = model.generate(z)
    assert occupancy.shape == (3, RESOLUTION, RESOLUTION, RESOLUTION) and occupancy.dtype == np.float32
    np.testing.assert_allclose(occupancy, direct_occupancy(generator, z), atol=1e-6)
    training_mode = generator(z, training=True).numpy()[..., 0]
    assert np.abs(training_mode - occupancy).max() > 1e-3


def test_binarized_signatures_threshold_the_occupancy(model):
    z = np.random.default_rng(3).standard_normal((4, LATENT_SIZE)).astype(np.float32)
    occupancy = model.generate(z)
    threshold = float(np.median(occupancy))  # half the voxels on each side: a threshold that matters
    binary = model.generate(z, threshold=threshold)
    assert set(np.unique(binary)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary, (occupancy > threshold).astype(np.float32))
    np.testing.assert_array_equal(
        model.sample(5, 4, threshold=threshold), (model.sample(5, 4) > threshold).astype(np.float32)
    )


def test_sample_is_deterministic_per_seed_and_decodes_stateless_codes(model):
    first = model.sample(123, 4)
    np.testing.assert_array_equal(first, model.sample(123, 4))
    assert np.abs(first - model.sample(124, 4)).max() > 1e-4
    # Sample i depends on (seed, i) only, not on how many were asked for (up to the float rounding of
    # another batch size: oneDNN blocks its matrix products by batch).
    np.testing.assert_allclose(model.sample(123, 2), first[:2], atol=1e-6)
    np.testing.assert_allclose(first, model.generate(latent_codes(123, 4, LATENT_SIZE).numpy()), atol=1e-6)
    codes = latent_codes(123, 2, LATENT_SIZE).numpy()
    np.testing.assert_array_equal(codes[1], tf.random.stateless_normal([LATENT_SIZE], [123, 1], alg="philox"))


def test_assets_record_sizes_and_training(export_dir, model):
    record = json.loads((export_dir / "assets" / generator_savedmodel.METADATA_FILENAME).read_text())
    assert record == model.metadata
    assert (record["resolution"], record["latent_size"]) == (RESOLUTION, LATENT_SIZE)
    assert record["training"] == TRAINING_METADATA
    assert record["format"] == generator_savedmodel.FORMAT_NAME
    assert record["version"] == int(export_dir.name)


def test_versions_increment_and_are_never_overwritten(generator, tmp_path):
    base_dir = tmp_path / "generator"
    assert export_generator(generator, base_dir) == base_dir / "1"
    assert export_generator(generator, base_dir, version=7) == base_dir / "7"
    assert export_generator(generator, base_dir) == base_dir / "8"
    with pytest.raises(ValueError, match="version 7 already exists"):
        export_generator(generator, base_dir, version=7)
    with pytest.raises(ValueError, match="version must be an integer >= 1"):
        export_generator(generator, base_dir, version=0)
    assert sorted(entry.name for entry in base_dir.iterdir()) == ["1", "7", "8"]  # no staging left behind
    # A base directory resolves to its highest version, as TF Serving's default policy does.
    assert load_generator(base_dir).path == base_dir / "8"


@pytest.mark.parametrize(
    "z, message",
    [
        (np.zeros((2, LATENT_SIZE - 1), np.float32), r"z must have shape \[B, 8\]"),
        (np.zeros(LATENT_SIZE, np.float32), r"z must have shape \[B, 8\]"),
        (np.zeros((0, LATENT_SIZE), np.float32), r"z must have shape \[B, 8\] with B >= 1"),
        (np.zeros((2, LATENT_SIZE), np.int32), "z must be floating point"),
        (np.full((2, LATENT_SIZE), np.nan, np.float32), "z contains NaN"),
    ],
)
def test_generate_rejects_bad_z(model, z, message):
    with pytest.raises(ValueError, match=message):
        model.generate(z)


def test_signatures_reject_bad_inputs_in_the_graph(model):
    """What a TF Serving client gets: the server runs these checks, not the Python wrapper."""
    signatures = model._loaded.signatures
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected shape \[\?,8\]"):
        signatures["serving_default"](z=tf.zeros([2, LATENT_SIZE + 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor"):
        signatures["serving_default"](z=tf.zeros([2, LATENT_SIZE], tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_samples must lie in"):
        signatures["sample"](seed=tf.constant(0, tf.int64), num_samples=tf.constant(0))
    too_many = model.max_samples_per_request + 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_samples must lie in"):
        signatures["sample"](seed=tf.constant(0, tf.int64), num_samples=tf.constant(too_many))
    with pytest.raises(tf.errors.InvalidArgumentError, match="threshold must lie in"):
        signatures["binarized"](z=tf.zeros([1, LATENT_SIZE]), threshold=tf.constant(1.5))


@pytest.mark.parametrize(
    "arguments, message",
    [
        ((0, 0), "num_samples must be an integer in"),
        ((0, 10_000), "num_samples must be an integer in"),
        ((0.5, 2), "seed must be a 64-bit integer"),
        ((2**63, 2), "seed must be a 64-bit integer"),
        ((0, 2, 1.5), "threshold must be a number in"),
        ((0, 2, float("nan")), "threshold must be a number in"),
    ],
)
def test_sample_rejects_bad_arguments(model, arguments, message):
    with pytest.raises(ValueError, match=message):
        model.sample(*arguments)


def test_paths_that_are_not_generator_savedmodels(tmp_path):
    with pytest.raises(ValueError, match="neither a SavedModel directory"):
        load_generator(tmp_path)

    class Doubler(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def double(self, x):
            return {"y": 2.0 * x}

    other = Doubler()
    tf.saved_model.save(other, str(tmp_path / "other"), signatures=other.double)
    with pytest.raises(ValueError, match="not an iggan_tf generator"):
        load_generator(tmp_path / "other")
    (tmp_path / "other" / "assets").mkdir(exist_ok=True)
    (tmp_path / "other" / "assets" / generator_savedmodel.METADATA_FILENAME).write_text('{"format": "something"}')
    with pytest.raises(ValueError, match="does not describe iggan_tf.generator"):
        load_generator(tmp_path / "other")


def test_export_rejects_bad_generators_metadata_and_folders(generator, tmp_path):
    not_a_voxel_generator = keras.Sequential([keras.Input((LATENT_SIZE,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="generator must map z"):
        export_generator(not_a_voxel_generator, tmp_path / "a")
    with pytest.raises(ValueError, match="metadata must be JSON-serializable"):
        export_generator(generator, tmp_path / "b", metadata={"flags": object()})
    assert list((tmp_path / "b").iterdir()) == []  # the failed export left nothing behind
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ValueError, match="base_dir .* cannot be written"):
        export_generator(generator, tmp_path / "a_file" / "generator")
    with pytest.raises(ValueError, match="max_samples_per_request"):
        export_generator(generator, tmp_path / "c", max_samples_per_request=0)


def write_training_workdir(workdir: pathlib.Path, generator, step: int, averaged_generator=None) -> None:
    """What a training run leaves behind: config.json and a checkpoint holding the generator (and its weight
    average when given) and the step."""
    config = TrainingConfig(workdir=str(workdir), voxel_size=RESOLUTION, latent_dim=LATENT_SIZE, generator_width=4,
                            generator_ema_decay=0.999 if averaged_generator is not None else 0.0)
    workdir.mkdir(parents=True, exist_ok=True)
    workdir_config_path(workdir).write_text(config.to_json())
    averaged = {"averaged_generator": averaged_generator} if averaged_generator is not None else {}
    checkpoint = tf.train.Checkpoint(step=tf.Variable(step, dtype=tf.int64), generator=generator, **averaged)
    tf.train.CheckpointManager(checkpoint, workdir / "checkpoints", max_to_keep=1).save(checkpoint_number=step)


def test_iggan_export_binary_exports_the_latest_checkpoint(generator, tmp_path):
    workdir = tmp_path / "run"
    write_training_workdir(workdir, generator, step=42)
    result = subprocess.run(
        [sys.executable, "-m", "iggan_tf.serving.export_main", f"--workdir={workdir}", "--version=3"],
        capture_output=True, text=True, timeout=180, cwd=pathlib.Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(workdir / "export" / "generator" / "3")
    assert export_from_workdir(workdir) == workdir / "export" / "generator" / "4"
    exported = load_generator(workdir / "export" / "generator")
    assert exported.metadata["training"]["step"] == 42
    assert exported.metadata["training"]["config"]["voxel_size"] == RESOLUTION
    z = np.random.default_rng(5).standard_normal((2, LATENT_SIZE)).astype(np.float32)
    np.testing.assert_allclose(exported.generate(z), direct_occupancy(generator, z), atol=1e-6)


def test_a_run_with_a_weight_average_exports_the_average(generator, tmp_path):
    averaged = make_generator(GeneratorConfig(voxel_size=RESOLUTION, latent_dim=LATENT_SIZE, width=4))
    averaged.set_weights([weight * 0.5 for weight in generator.get_weights()])
    write_training_workdir(tmp_path, generator, step=7, averaged_generator=averaged)
    exported = load_generator(export_from_workdir(tmp_path))
    z = np.random.default_rng(6).standard_normal((2, LATENT_SIZE)).astype(np.float32)
    np.testing.assert_allclose(exported.generate(z), direct_occupancy(averaged, z), atol=1e-6)
    assert not np.allclose(exported.generate(z), direct_occupancy(generator, z), atol=1e-3)


def test_export_of_a_chosen_step_restores_that_checkpoint_and_names_the_kept_steps_otherwise(tmp_path):
    generator = make_generator(GeneratorConfig(voxel_size=RESOLUTION, latent_dim=LATENT_SIZE, width=4))
    config = TrainingConfig(workdir=str(tmp_path), voxel_size=RESOLUTION, latent_dim=LATENT_SIZE, generator_width=4,
                            generator_ema_decay=0.0)
    workdir_config_path(tmp_path).write_text(config.to_json())
    step = tf.Variable(0, dtype=tf.int64)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step, generator=generator), tmp_path / "checkpoints",
                                         max_to_keep=3)
    z = np.random.default_rng(7).standard_normal((2, LATENT_SIZE)).astype(np.float32)
    at_step_10 = direct_occupancy(generator, z)
    original = generator.get_weights()
    for number, scale in ((10, 1.0), (20, 0.5)):
        generator.set_weights([weight * scale for weight in original])
        step.assign(number)
        manager.save(checkpoint_number=number)
    at_step_20 = direct_occupancy(generator, z)
    assert not np.allclose(at_step_10, at_step_20, atol=1e-3)

    chosen = load_generator(export_from_workdir(tmp_path, step=10))
    assert chosen.metadata["training"]["step"] == 10
    np.testing.assert_allclose(chosen.generate(z), at_step_10, atol=1e-6)
    latest = load_generator(export_from_workdir(tmp_path))
    assert latest.metadata["training"]["step"] == 20
    np.testing.assert_allclose(latest.generate(z), at_step_20, atol=1e-6)
    with pytest.raises(ValueError, match=r"no checkpoint of step 15; it keeps steps \[10, 20\]"):
        export_from_workdir(tmp_path, step=15)


def test_export_from_workdir_needs_a_config_and_a_checkpoint(generator, tmp_path):
    with pytest.raises(ValueError, match="has no config.json"):
        export_from_workdir(tmp_path)
    config = TrainingConfig(workdir=str(tmp_path), voxel_size=RESOLUTION, latent_dim=LATENT_SIZE, generator_width=4)
    workdir_config_path(tmp_path).write_text(config.to_json())
    with pytest.raises(ValueError, match="has no checkpoint"):
        export_from_workdir(tmp_path)
