"""ShapeNetCore manual dirs (iggan_tf.datasets.shapenet_files): both layouts extracted and zipped, safe
zip reading, unusable models rejected with a reason, deterministic splits, and six real v2 models."""

import pathlib
import zipfile

import numpy as np
import pytest
import trimesh

from iggan_tf.datasets import shapenet_files, splits
from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.shapes import make_shape

CHAIRS = shapenet_files.SYNSETS["chair"]
TABLES = shapenet_files.SYNSETS["table"]
# Read in place, never copied into the project (its licence allows research use only).
SHAPENET_SAMPLE = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "shapenet_sample"


def _obj(seed: int = 0) -> bytes:
    mesh = make_shape("chair", seed)
    return trimesh.exchange.obj.export_obj(mesh, include_normals=False, include_texture=False).encode()


def _write(path: pathlib.Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_finds_both_layouts_extracted_and_zipped_including_nested_zips(tmp_path):
    _write(tmp_path / CHAIRS / "a" / "models" / "model_normalized.obj", _obj(0))  # v2, extracted
    _write(tmp_path / "ShapeNetCore.v1" / CHAIRS / "b" / "model.obj", _obj(1))  # v1 under a top folder
    _write(tmp_path / TABLES / "t" / "model.obj", _obj(2))  # another synset: ignored
    with zipfile.ZipFile(tmp_path / "ShapeNetCore.v2.zip", "w") as archive:
        archive.writestr(f"ShapeNetCore.v2/{CHAIRS}/c/models/model_normalized.obj", _obj(3))
        archive.writestr(f"ShapeNetCore.v2/{CHAIRS}/c/models/model_normalized.mtl", b"newmtl a\n")
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr(f"{CHAIRS}/d/model.obj", _obj(4))
        # The same model in v1 and (extracted) v2: the v2 file must win.
        archive.writestr(f"{CHAIRS}/a/model.obj", _obj(5))
    with zipfile.ZipFile(tmp_path / "ShapeNetCore.v1.zip", "w") as archive:
        archive.write(inner, f"ShapeNetCore.v1/{CHAIRS}.zip")
    inner.unlink()

    skipped = SkippedInputs("ShapeNet file")
    models = shapenet_files.find_models(tmp_path, [CHAIRS], skipped)
    assert [(model.model_id, model.layout) for model in models] == [("a", "v2"), ("b", "v1"), ("c", "v2"), ("d", "v1")]
    assert skipped.total == 0
    with shapenet_files.ModelReader() as reader:
        for model, seed in zip(models, (0, 1, 3, 4)):
            assert reader.read(model) == _obj(seed)


def test_unsafe_zip_members_are_skipped_and_nothing_is_written(tmp_path):
    manual_dir = tmp_path / "manual"
    manual_dir.mkdir()
    with zipfile.ZipFile(manual_dir / "ShapeNetCore.v2.zip", "w") as archive:
        archive.writestr(f"ShapeNetCore.v2/{CHAIRS}/good/models/model_normalized.obj", _obj(0))
        archive.writestr(f"../{CHAIRS}/escape/model.obj", _obj(1))
        archive.writestr(f"ShapeNetCore.v2/../../{CHAIRS}/escape2/model.obj", _obj(2))
        archive.writestr(zipfile.ZipInfo(f"/tmp/{CHAIRS}/absolute/model.obj"), _obj(3))
    before = sorted(tmp_path.rglob("*"))
    skipped = SkippedInputs("ShapeNet file")
    models = shapenet_files.find_models(manual_dir, [CHAIRS], skipped)
    with shapenet_files.ModelReader() as reader:
        assert all(reader.read(model) for model in models)
    assert [model.model_id for model in models] == ["good"]
    assert skipped.counts == {"'..' in zip member name": 2, "absolute path in zip": 1}
    assert sorted(tmp_path.rglob("*")) == before


def test_missing_manual_dir_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        shapenet_files.find_models(tmp_path / "nowhere", [CHAIRS], SkippedInputs("ShapeNet file"))


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"solid ascii\nfacet normal 0 0 1\nendsolid\n", "no faces"),
        (bytes(range(256)) * 40, "no faces"),
        (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 9\n", "not a readable OBJ"),
        (b"v 0 0 0\nv 1 0 nan\nv 0 1 0\nf 1 2 3\n", "NaN or infinite"),
    ],
)
def test_unusable_obj_files_raise_value_error_with_reason(data, reason):
    with pytest.raises(ValueError, match=reason):
        shapenet_files.mesh_from_obj(data)


def test_truncated_obj_without_its_faces_is_rejected():
    data = _obj(0)
    truncated = data[: data.index(b"\nf ") // 2]
    with pytest.raises(ValueError, match="no faces"):
        shapenet_files.mesh_from_obj(truncated)


def test_mesh_with_ten_million_faces_is_rejected_before_parsing():
    data = b"v 0 0 0\nv 1 0 0\nv 0 1 0\n" + b"f 1 2 3\n" * 10**7
    with pytest.raises(ValueError, match="10000000 faces exceed MAX_FACES"):
        shapenet_files.mesh_from_obj(data)


def test_meshes_are_normalized_and_turned_to_face_plus_z():
    # A wedge whose tall side is at -z in the file (ShapeNet's front), which must end up at +z (this project's).
    mesh = trimesh.Trimesh(
        vertices=[[0, 0, 0], [1, 0, 0], [0, 0, 2], [1, 0, 2], [0, 3, 0], [1, 3, 0]],
        faces=[[0, 1, 2], [1, 3, 2], [0, 4, 1], [1, 4, 5], [0, 2, 4], [1, 5, 3], [2, 3, 4], [3, 5, 4]],
    )
    loaded = shapenet_files.mesh_from_obj(trimesh.exchange.obj.export_obj(mesh).encode())
    low, high = loaded.bounds
    assert np.linalg.norm(high - low) == pytest.approx(1.0)
    assert np.allclose((low + high) / 2, 0.0)
    top = loaded.vertices[loaded.vertices[:, 1] > 0.4]
    assert np.all(top[:, 2] > 0)  # the tall side, at -z in the file, now at +z


def test_splits_are_disjoint_deterministic_and_take_a_hash_ordered_prefix(tmp_path):
    ids = [f"{index:032x}" for index in range(200)]
    models = [shapenet_files.ModelFile(CHAIRS, model_id, "v2", tmp_path / model_id) for model_id in ids]
    train = shapenet_files.select_models(models, splits.TRAIN)
    test = shapenet_files.select_models(models, splits.TEST)
    assert {m.model_id for m in train} | {m.model_id for m in test} == set(ids)
    assert not {m.model_id for m in train} & {m.model_id for m in test}
    assert 5 <= len(test) <= 40  # about 10 % of 200
    # Shuffled input gives the same selection; a prefix is the start of the full list.
    shuffled = list(np.random.default_rng(0).permutation(models))
    assert shapenet_files.select_models(shuffled, splits.TRAIN, 50) == train[:50]


@pytest.mark.skipif(not SHAPENET_SAMPLE.is_dir(), reason=f"ShapeNet sample not at {SHAPENET_SAMPLE}")
def test_real_shapenet_v2_models_load_and_voxelize_in_place():
    skipped = SkippedInputs("ShapeNet file")
    models = shapenet_files.find_models(SHAPENET_SAMPLE, [CHAIRS, TABLES], skipped)
    assert [model.synset for model in models] == [CHAIRS] * 4 + [TABLES]
    assert {model.layout for model in models} == {"v2"} and skipped.total == 0
    voxels = shapenet_files.ground_truth_voxels(SHAPENET_SAMPLE, [model.shape_id for model in models], 32)
    assert voxels.shape == (5, 32, 32, 32)
    with shapenet_files.ModelReader() as reader:
        for model, grid in zip(models, voxels):
            mesh = shapenet_files.load_mesh(reader, model)
            assert np.array_equal(grid, voxelize(mesh, 32))
            # Thin furniture fills a few percent of its bounding cube; an empty or flooded grid would not.
            assert 0.003 < grid.mean() < 0.3
    with pytest.raises(ValueError, match="not in the ShapeNetCore manual dir"):
        shapenet_files.ground_truth_voxels(SHAPENET_SAMPLE, [f"{CHAIRS}/missing"], 32)
