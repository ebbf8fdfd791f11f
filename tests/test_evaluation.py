"""Tests for iggan_tf.evaluation: the iggan-eval binary end to end on a tiny exported generator and a tiny
synthetic_shapes config, the scores the training loop logs, and clear errors for bad inputs.

The tiny dataset is a real synthetic_shapes build (8 training and 8 held-out tubs, tests/tiny_tubs.py) under a
config added to the builder for this module only, so tfds reading, ground truth, rendering and scoring all run for
real. Baselines' workdirs are evaluated in test_baseline_runs.py."""

import dataclasses
import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
from absl.testing import flagsaver

from iggan_tf.evaluation import main as eval_main
from iggan_tf.evaluation.during_training import evaluate_generator
from iggan_tf.evaluation.evaluate import EvaluationConfig, evaluate
from iggan_tf.evaluation.held_out_data import load_held_out_data
from iggan_tf.metrics.feature_network import load_feature_network
from iggan_tf.nets import GeneratorConfig, make_generator
from iggan_tf.render import OpenGLRenderer
from iggan_tf.serving.generator_savedmodel import export_generator
from iggan_tf.training.config import TrainingConfig
from tests.tiny_tubs import DATASET, tiny_tubs_built

SMALL_RUN = ["--num_samples=12", "--chamfer_samples=4", "--chamfer_points=64", "--kid_subsets=5", "--render_workers=1"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A tfds data dir holding the tiny tub config, built once; the config stays known for the module."""
    with tiny_tubs_built(tmp_path_factory.mktemp("tensorflow_datasets")) as directory:
        yield directory


def _tiny_generator(voxel_size=32, seed=0):
    keras.utils.set_random_seed(seed)
    return make_generator(GeneratorConfig(voxel_size=voxel_size, latent_dim=8, width=4))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, data_dir):
    """A training workdir as the loop leaves it: config.json and an exported generator."""
    directory = tmp_path_factory.mktemp("run")
    config = TrainingConfig(workdir=str(directory), dataset=DATASET, data_dir=data_dir, voxel_size=32, latent_dim=8,
                            generator_width=4)
    (directory / "config.json").write_text(config.to_json())
    (directory / "command.txt").write_text(f"iggan-train --workdir={directory} --dataset={DATASET}\n")
    export_generator(_tiny_generator(), directory / "export" / "generator",
                     metadata={"dataset": DATASET, "step": 0, "config": dataclasses.asdict(config)})
    return directory


def test_eval_binary_writes_every_score_with_its_counts_and_the_network_hash(workdir, monkeypatch):
    command = ["iggan-eval", f"--workdir={workdir}", "--reference=real,untrained", *SMALL_RUN]
    monkeypatch.setattr(sys, "argv", command)
    with flagsaver.flagsaver():
        eval_main.FLAGS(command)
        eval_main.main(["iggan-eval"])
    record = json.loads((workdir / "eval" / "eval.json").read_text())
    # What reproduces the figures: this command, the training run's command and its configuration.
    assert record["command"] == " ".join(command)
    assert record["training_command"] == f"iggan-train --workdir={workdir} --dataset={DATASET}"
    assert record["training_config"]["dataset"] == DATASET and record["training_config"]["latent_dim"] == 8
    sha256 = load_feature_network().sha256
    assert record["feature_network_sha256"] == sha256
    assert record["renderer"] == {"name": "pyrender", "shadows": True}  # the run's
    assert record["dataset"] == DATASET and record["held_out"] == {
        "split": "test", "images": 8, "shapes": 8, "ground_truth": True}
    assert list(record["rows"]) == ["generated", "real", "untrained"]
    for row in record["rows"].values():
        scores = row["scores"]
        assert set(scores) == {"fid", "kid", "in_class_rate", "voxel_iou", "chamfer", "hollow_rate"}
        for name in ("fid", "kid", "in_class_rate"):
            assert scores[name]["feature_network_sha256"] == sha256
            assert scores[name]["n_generated"] == 12
        assert scores["fid"]["n_real"] == scores["kid"]["n_real"] == 8
        assert scores["kid"]["subset_size"] == 8 and np.isfinite(scores["kid"]["std"])
        # Equal sets for 1-NNA: as many candidates as held-out shapes; Chamfer on its smaller subset.
        assert (scores["voxel_iou"]["n_generated"], scores["voxel_iou"]["n_real"]) == (8, 8)
        assert (scores["chamfer"]["n_generated"], scores["chamfer"]["n_real"]) == (4, 4)
        assert scores["chamfer"]["subset_of"] == {"candidates": 12, "held_out": 8}
        assert scores["hollow_rate"]["n_shapes"] == 12
    real, untrained = record["rows"]["real"]["scores"], record["rows"]["untrained"]["scores"]
    # Real training tubs are the floor: recognized, hollow, and closer to the held-out tubs than noise.
    assert real["in_class_rate"]["value"] >= 0.9
    assert real["hollow_rate"]["value"] >= 0.9
    assert real["kid"]["value"] < untrained["kid"]["value"]
    assert real["voxel_iou"]["minimum_matching_distance"] < untrained["voxel_iou"]["minimum_matching_distance"]
    markdown = (workdir / "eval" / "eval.md").read_text()
    assert sha256 in markdown and "| FID ↓ |" in markdown and "real (floor)" in markdown
    assert "(N=12 vs 8)" in markdown
    assert "rendered by pyrender with shadows" in markdown


def test_model_flag_evaluates_a_savedmodel_into_the_output_dir(workdir, tmp_path):
    record = evaluate(EvaluationConfig(model=str(workdir / "export" / "generator"), output_dir=str(tmp_path),
                                       num_samples=6, chamfer_samples=20, chamfer_points=32, kid_subsets=3,
                                       render_workers=1))
    assert record["model"].endswith("generator/1") and record["rows"]["generated"]["num_shapes"] == 6
    # Fewer candidates (6) than held-out shapes (8): both 3D comparisons use equal sets of the smaller size.
    scores = record["rows"]["generated"]["scores"]
    for distance in ("voxel_iou", "chamfer"):
        assert (scores[distance]["n_generated"], scores[distance]["n_real"]) == (6, 6)
    assert (tmp_path / "eval.json").is_file() and (tmp_path / "eval.md").is_file()


def test_evaluate_generator_returns_scalars_for_tensorboard(data_dir):
    data = load_held_out_data(DATASET, data_dir)
    with OpenGLRenderer(64, workers=1) as renderer:
        logged = evaluate_generator(_tiny_generator(), renderer, data.held_out_images, "tub", data.view_range,
                                    num_samples=6, kid_subsets=5)
        again = evaluate_generator(_tiny_generator(), renderer, data.held_out_images, "tub", data.view_range,
                                   num_samples=6, kid_subsets=5)
        with pytest.raises(ValueError, match="held_out_images"):
            evaluate_generator(_tiny_generator(), renderer, data.held_out_images[:, :32, :32], "tub",
                               data.view_range, num_samples=6)
    assert set(logged) == {"kid", "kid_std", "fid", "in_class_rate", "hollow_rate"}
    assert all(isinstance(value, float) and np.isfinite(value) for value in logged.values())
    assert logged == again  # fixed latent vectors and views: curves move only when the generator does


def test_bad_configs_name_the_argument(tmp_path, workdir):
    with pytest.raises(ValueError, match="exactly one of workdir .* and model"):
        EvaluationConfig()
    with pytest.raises(ValueError, match="output_dir is required with model"):
        EvaluationConfig(model="somewhere")
    with pytest.raises(ValueError, match="num_samples must be an integer >= 2"):
        EvaluationConfig(workdir="w", num_samples=1)
    with pytest.raises(ValueError, match="reference must list distinct rows"):
        EvaluationConfig(workdir="w", reference=("fake",))
    with pytest.raises(ValueError, match="no config.json"):
        evaluate(EvaluationConfig(workdir=str(tmp_path)))
    (tmp_path / "config.json").write_text((workdir / "config.json").read_text())
    with pytest.raises(ValueError, match="iggan-export"):
        evaluate(EvaluationConfig(workdir=str(tmp_path)))
    with pytest.raises(ValueError, match="neither a SavedModel"):
        evaluate(EvaluationConfig(model=str(tmp_path), output_dir=str(tmp_path)))


def test_a_generator_at_another_resolution_is_refused(data_dir, tmp_path):
    model = export_generator(_tiny_generator(voxel_size=16), tmp_path / "generator", metadata={"dataset": DATASET})
    with pytest.raises(ValueError, match="generates 16\\^3 voxels but .* 32\\^3"):
        evaluate(EvaluationConfig(model=str(model), output_dir=str(tmp_path), data_dir=data_dir, num_samples=4))


@pytest.mark.parametrize("renderer, shadows", [("blender", None), (None, False)])
def test_a_renderer_other_than_the_datasets_is_refused_naming_both(workdir, tmp_path, renderer, shadows):
    with pytest.raises(ValueError, match=f"but {DATASET} was rendered by pyrender with shadows; choose "
                                         "--renderer=pyrender --shadows"):
        evaluate(EvaluationConfig(workdir=str(workdir), output_dir=str(tmp_path), num_samples=4, render_workers=1,
                                  renderer=renderer, shadows=shadows))
    assert not (tmp_path / "eval.json").exists()
    with pytest.raises(ValueError, match="renderer must be one of"):
        EvaluationConfig(workdir="w", renderer="povray")


def test_the_binary_reports_a_bad_flag_by_name(tmp_path):
    repository = str(pathlib.Path(__file__).resolve().parent.parent)
    python_path = os.pathsep.join(filter(None, [repository, os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": python_path}
    result = subprocess.run(
        [sys.executable, "-m", "iggan_tf.evaluation.main", f"--model={tmp_path}", f"--output_dir={tmp_path}",
         "--num_samples=1"], capture_output=True, text=True, timeout=120, env=environment)
    assert result.returncode != 0
    assert "num_samples must be an integer >= 2" in result.stderr


def test_the_renderer_flag_takes_only_registered_renderers():
    from absl import flags

    with flagsaver.flagsaver(), pytest.raises(flags.IllegalFlagValueError, match="should be one of <pyrender"):
        eval_main.FLAGS(["iggan-eval", "--renderer=povray"])


def test_blank_renders_are_out_of_class_though_the_network_calls_them_tubs():
    from iggan_tf.evaluation.scores import image_scores

    network = load_feature_network()
    blank = np.zeros((3, 64, 64, 1), np.float32)
    _, logits = network.features_and_logits(blank)
    tub = network.class_index("tub")
    assert (np.argmax(logits, axis=1) == tub).all()  # what made a collapsed run score 0.93 in class
    held_out_features = np.random.default_rng(0).normal(size=(4, network.feature_dimension))
    scores = image_scores(network, blank, held_out_features, tub, kid_subset_size=3, kid_subsets=2, seed=0)
    assert scores["in_class_rate"]["value"] == 0.0 and scores["in_class_rate"]["n_blank"] == 3


def test_in_training_scores_tool_writes_the_logged_eval_scores_by_step(tmp_path):
    import tensorflow as tf

    with tf.summary.create_file_writer(str(tmp_path / "run" / "tensorboard")).as_default():
        tf.summary.scalar("d_loss", 1.0, step=1000)
        tf.summary.scalar("eval/fid", 80.5, step=1000)
        tf.summary.scalar("eval/in_class_rate", 0.25, step=1000)
        tf.summary.scalar("eval/fid", 40.0, step=2000)
    output = tmp_path / "scores.json"
    repository = str(pathlib.Path(__file__).resolve().parent.parent)
    command = [sys.executable, str(pathlib.Path(repository) / "tools" / "in_training_scores.py"),
               f"--workdir={tmp_path / 'run'}", f"--output={output}"]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [repository, os.environ.get("PYTHONPATH")]))}
    subprocess.run(command, check=True, timeout=120, env=environment)
    assert json.loads(output.read_text())["scores_by_step"] == {
        "1000": {"fid": 80.5, "in_class_rate": 0.25}, "2000": {"fid": 40.0}}
    # a run that has logged no eval/* yet is refused by name, not written as an empty file
    command[2] = f"--workdir={tmp_path / 'empty'}"
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment)
    assert result.returncode != 0 and "no eval/* scores" in result.stderr
