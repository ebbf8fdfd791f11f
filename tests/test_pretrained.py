"""Generators that ship (iggan_tf/serving/pretrained.py): `--model=pretrained:<class>` resolves to the shipped
SavedModel, a class without one is refused with what to do, and shipping copies an evaluated export with its scores
and refuses one without them or too large."""

import json
import subprocess
import sys

import numpy as np
import pytest

from iggan_tf.nets import GeneratorConfig, make_generator
from iggan_tf.serving import pretrained
from iggan_tf.serving.generator_savedmodel import export_generator, load_generator


@pytest.fixture
def pretrained_dir(tmp_path, monkeypatch):
    directory = tmp_path / "pretrained"
    directory.mkdir()
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", directory)
    return directory


def evaluated_workdir(path, evaluated_version="1"):
    """A workdir with an exported tiny generator and an eval.json of export `evaluated_version`."""
    export_generator(make_generator(GeneratorConfig(voxel_size=8, latent_dim=4, width=2)), path / "export" / "generator")
    (path / "eval").mkdir(parents=True)
    (path / "eval" / "eval.json").write_text(json.dumps({"model": str(path / "export" / "generator" / evaluated_version),
                                                         "rows": {}}))
    return path


def test_iggan_sample_refuses_a_class_whose_generator_does_not_ship_yet(tmp_path):
    result = subprocess.run([sys.executable, "-m", "iggan_tf.serving.sample_main", "--model=pretrained:chair",
                             f"--out={tmp_path}"], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "--model: no trained chair generator ships with this repository" in result.stderr
    assert "iggan-export --workdir=runs/chair --ship_as=chair" in result.stderr
    assert "shipped: pretrained:couch, pretrained:tub" in result.stderr


@pytest.mark.parametrize("class_name", ["tub", "couch"])
def test_a_shipped_generator_comes_with_the_scores_of_that_export_and_samples_meshes(tmp_path, class_name):
    assert class_name in pretrained.shipped_classes()
    model = load_generator(pretrained.resolve_model(f"pretrained:{class_name}"))
    evaluation = json.loads((pretrained.PRETRAINED_DIR / class_name / "eval.json").read_text())
    assert evaluation["step"] == model.metadata["training"]["step"]
    assert evaluation["dataset"] == model.metadata["training"]["dataset"]
    assert evaluation["dataset"].startswith(f"synthetic_shapes/{class_name}_")
    assert evaluation["feature_network_sha256"] == evaluation["feature_network"]["sha256"]
    result = subprocess.run([sys.executable, "-m", "iggan_tf.serving.sample_main", f"--model=pretrained:{class_name}",
                             "--num=2", f"--out={tmp_path}"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list(tmp_path.rglob("*.obj"))) == 2


def test_a_shipped_generator_resolves_and_loads_with_its_scores(tmp_path, pretrained_dir):
    assert pretrained.resolve_model("runs/x/export/generator") == "runs/x/export/generator"
    with pytest.raises(ValueError, match="shipped: none yet"):
        pretrained.resolve_model("pretrained:tub")
    shipped = pretrained.ship(evaluated_workdir(tmp_path / "run"), "tub")
    assert shipped == pretrained_dir / "tub" and (shipped / "eval.json").is_file()
    assert pretrained.shipped_classes() == ["tub"]
    model = load_generator(pretrained.resolve_model("pretrained:tub"))
    original = load_generator(tmp_path / "run" / "export" / "generator")
    z = np.zeros((1, 4), np.float32)
    np.testing.assert_array_equal(model.generate(z), original.generate(z))
    with pytest.raises(ValueError, match="shipped: pretrained:tub"):
        pretrained.resolve_model("pretrained:chair")


def test_shipping_refuses_an_export_without_its_scores_or_too_large(tmp_path, pretrained_dir, monkeypatch):
    workdir = evaluated_workdir(tmp_path / "run", evaluated_version="7")
    with pytest.raises(ValueError, match="scores export version 7, not the latest"):
        pretrained.ship(workdir, "tub")
    (workdir / "eval" / "eval.json").unlink()
    with pytest.raises(ValueError, match="eval.json is missing: a shipped generator comes with its scores"):
        pretrained.ship(workdir, "tub")
    monkeypatch.setattr(pretrained, "MAX_BYTES", 1000)
    with pytest.raises(ValueError, match="more than the 0 MiB"):
        pretrained.ship(evaluated_workdir(tmp_path / "other"), "tub")
    assert pretrained.shipped_classes() == []
