"""chanterelle from a manual dir with bad files: they are skipped with a logged count, the build completes,
and the good photos come out square, on black, with one mean intensity."""

import io
import logging
import pathlib
import shutil

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image
from scipy import ndimage

from iggan_tf.datasets.chanterelle import chanterelle_dataset_builder as chanterelle

DUMMY_DATA = pathlib.Path(chanterelle.__file__).parent / "dummy_data"


def _build(manual_dir, data_dir, config="64"):
    builder = chanterelle.Builder(config=config, data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))
    return builder


def _object_mean(image: np.ndarray) -> float:
    """Mean intensity of the object's inner pixels (edges mix with the black background)."""
    inner = ndimage.binary_erosion(image.sum(axis=-1) > 0, iterations=2)
    return float(image[inner].mean())


def test_bad_files_are_skipped_and_counted_and_the_build_completes(tmp_path, caplog):
    manual_dir = tmp_path / "manual"
    shutil.copytree(DUMMY_DATA, manual_dir / "photos")
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(jpeg, format="JPEG")
    transparent = io.BytesIO()
    Image.new("RGBA", (40, 30), (200, 120, 40, 0)).save(transparent, format="PNG")
    good = (DUMMY_DATA / "chanterelle_000.png").read_bytes()
    bad = {
        "empty.png": b"",
        "jpeg_named.png": jpeg.getvalue(),
        "truncated.png": good[: len(good) // 2],
        "noise.PNG": np.random.default_rng(0).bytes(500),
        "transparent.png": transparent.getvalue(),
    }
    for name, data in bad.items():
        (manual_dir / name).write_bytes(data)
    (manual_dir / "notes.txt").write_text("not a photo, not counted")

    with caplog.at_level(logging.WARNING):
        builder = _build(manual_dir, tmp_path / "data")

    assert builder.info.splits["train"].num_examples + builder.info.splits["test"].num_examples == 5
    assert builder.info.metadata["skipped_inputs"] == len(bad)
    assert any("Used 5 photos, skipped 5" in record.getMessage() for record in caplog.records)
    for name in bad:
        assert any(name in record.getMessage() for record in caplog.records), name
    examples = [e for split in ("train", "test") for e in tfds.as_numpy(builder.as_dataset(split=split))]
    assert {e["image/filename"].decode() for e in examples} == {
        f"photos/{path.name}" for path in DUMMY_DATA.glob("*.png")
    }
    sources = [np.asarray(Image.open(path).convert("RGBA"), np.float64) for path in sorted(DUMMY_DATA.glob("*.png"))]
    source_means = [image[image[..., 3] > 0, :3].mean() for image in sources]
    assert max(source_means) - min(source_means) > 30  # the dummy photos differ in brightness...
    means = [_object_mean(e["image"]) for e in examples]
    assert max(means) - min(means) < 4  # ...and are unified
    assert np.mean(means) / 255 == pytest.approx(builder.info.metadata["mean_intensity"], abs=0.02)
    for example in examples:
        image = example["image"]
        assert image.shape == (64, 64, 3)
        assert np.all(image[0] == 0) and np.all(image[:, 0] == 0)  # black margin around the mushroom


def test_a_manual_dir_without_png_names_the_path(tmp_path):
    (tmp_path / "manual").mkdir()
    with pytest.raises(AssertionError, match=str(tmp_path / "manual")):
        _build(tmp_path / "manual", tmp_path / "data")
