"""shapenet_renders from awkward manual dirs: every kind of bad input is skipped with a logged count while the
build completes and writes nothing outside its data dir; six real ShapeNetCore v2 models build in place."""

import logging
import pathlib
import zipfile

import numpy as np
import pytest
import tensorflow_datasets as tfds
import trimesh

from iggan_tf.datasets import shapenet_files, splits
from iggan_tf.datasets.shapenet_renders import shapenet_renders_dataset_builder as shapenet_renders
from iggan_tf.shapes import make_shape

TUBS = shapenet_files.SYNSETS["tub"]
SHAPENET_SAMPLE = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "shapenet_sample"


def _obj(seed: int) -> bytes:
    return trimesh.exchange.obj.export_obj(make_shape("tub", seed), include_normals=False).encode()


def _write(path: pathlib.Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _build(manual_dir, data_dir, config_name):
    builder = shapenet_renders.Builder(config=config_name, data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))
    return builder


def _snapshot(root: pathlib.Path, excluded: pathlib.Path) -> dict:
    return {
        path: path.stat().st_mtime_ns
        for path in root.rglob("*")
        if excluded not in path.parents and path != excluded
    }


def test_bad_inputs_are_skipped_counted_and_nothing_is_written_outside_the_data_dir(tmp_path, caplog):
    manual_dir = tmp_path / "manual"
    data_dir = tmp_path / "data"
    good = [f"{index:02d}aa" for index in range(3)]
    for seed, model_id in enumerate(good):
        _write(manual_dir / TUBS / model_id / "models" / "model_normalized.obj", _obj(seed))
    truncated = _obj(5)
    bad = {
        "empty": b"",
        "truncated": truncated[: truncated.index(b"\nf ") // 2],
        "not_a_mesh": b"<html><body>404 Not Found</body></html>\n",
        "nan": b"v 0 0 0\nv 1 nan 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\n",
        "huge": b"v 0 0 0\nv 1 0 0\nv 0 1 0\n" + b"f 1 2 3\n" * 10**7,
    }
    for model_id, data in bad.items():
        _write(manual_dir / TUBS / model_id / "model.obj", data)
    with zipfile.ZipFile(manual_dir / "ShapeNetCore.v2.zip", "w") as archive:
        archive.writestr(f"ShapeNetCore.v2/{TUBS}/03aa/models/model_normalized.obj", _obj(3))
        archive.writestr(f"../{TUBS}/escape/model.obj", _obj(4))
        archive.writestr(zipfile.ZipInfo(f"/tmp/{TUBS}/absolute/model.obj"), _obj(4))
    _write(manual_dir / f"{TUBS}.zip", b"PK\x03\x04 this is not really a zip")
    before = _snapshot(tmp_path, data_dir)

    with caplog.at_level(logging.WARNING):
        builder = _build(manual_dir, data_dir, "tub_500_64")

    shape_ids = {
        example["shape_id"].decode()
        for split in builder.info.splits
        for example in tfds.as_numpy(builder.as_dataset(split=split))
    }
    assert shape_ids == {f"{TUBS}/{model_id}" for model_id in [*good, "03aa"]}
    # 5 bad models, 2 unsafe zip members, 1 broken zip.
    assert builder.info.metadata["skipped_inputs"] == 8
    summaries = [record.getMessage() for record in caplog.records if record.getMessage().startswith("Used ")]
    assert any("skipped 3" in message for message in summaries)  # the manual dir scan
    assert any("skipped 5" in message for message in summaries)  # the models themselves
    for reason in ("empty file", "no faces", "NaN", "10000000 faces exceed", "absolute path", "'..'", "unreadable zip"):
        assert any(reason in record.getMessage() for record in caplog.records), reason
    assert _snapshot(tmp_path, data_dir) == before
    assert not (tmp_path / TUBS).exists() and not pathlib.Path(f"/tmp/{TUBS}/absolute").exists()


def test_an_empty_manual_dir_names_the_path(tmp_path):
    (tmp_path / "manual").mkdir()
    with pytest.raises(AssertionError, match=str(tmp_path / "manual")):
        _build(tmp_path / "manual", tmp_path / "data", "tub_500_64")


@pytest.mark.skipif(not SHAPENET_SAMPLE.is_dir(), reason=f"ShapeNet sample not at {SHAPENET_SAMPLE}")
def test_real_shapenet_v2_chairs_build_in_place(tmp_path):
    builder = _build(SHAPENET_SAMPLE, tmp_path, "chair_500_64")
    train = list(tfds.as_numpy(builder.as_dataset(split=splits.TRAIN)))
    test = list(tfds.as_numpy(builder.as_dataset(split=splits.TEST)))
    # The sample's four chairs: three hash into train, one into test.
    assert len(train) == 3 and len(test) == 1
    assert {e["shape_id"].decode() for e in test} == {"03001627/bdc892547cceb2ef34dedfee80b7006"}
    for example in train + test:
        image = example["image"]
        assert 0.02 < (image > 0).mean() < 0.9 and len(np.unique(image)) > 5
        assert -30.0 <= example["elevation"] <= 60.0
    assert builder.info.metadata["skipped_inputs"] == 0
