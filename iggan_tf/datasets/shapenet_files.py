"""ShapeNetCore models in a manual download dir: finds a category's OBJ files in an extracted tree or in zip
archives (v1 and v2 layouts) and turns them into meshes in this project's frame, never extracting anything.

Zip members are read into memory, so an archive with `../` or absolute member names cannot write anywhere;
such members are skipped and counted, like empty, non-mesh, NaN or oversized models. numpy/trimesh only.
"""

import dataclasses
import io
import pathlib
import re
import zipfile

import numpy as np
import trimesh

from iggan_tf.datasets import splits
from iggan_tf.datasets.settings import HELD_OUT_FRACTION
from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.geometry.voxelization import normalize_mesh, voxelize

# WordNet synsets of the paper's categories (and tables, on which the renderer may be pre-trained).
SYNSETS = {"chair": "03001627", "couch": "04256520", "tub": "02808440", "table": "04379243"}

# v1 keeps one OBJ per model folder, v2 a normalized one in a `models/` subfolder.
V1_MODEL_FILE = "model.obj"
V2_MODEL_FILE = "models/model_normalized.obj"
# Larger models are skipped, before they are parsed where possible: reading, parsing and voxelizing cost
# memory and time in proportion to their size, and one absurd file must not stall a build.
MAX_OBJ_BYTES = 256 * 2**20
MAX_FACES = 2_000_000

# <optional top folders>/<synset>/<model id>/<model file>, as in ShapeNetCore.v1.zip, ShapeNetCore.v2.zip and
# the per-synset zips.
_MEMBER_PATTERN = re.compile(
    r"^(?:[^/]+/)*(?P<synset>\d{8})/(?P<model_id>[^/]+)/(?P<file>model\.obj|models/model_normalized\.obj)$"
)
_NESTED_ZIP_PATTERN = re.compile(r"^(?:[^/]+/)*(?P<synset>\d{8})\.zip$")
# ShapeNet's OBJ files face -z (ShapeNetCore v2 documentation; v1 shares the alignment up to the mirroring
# that v2 fixed); this project's shapes face +z, the camera at azimuth 0.
_TURN_TO_FRONT = trimesh.transformations.rotation_matrix(np.pi, [0.0, 1.0, 0.0])


def unsafe_member_reason(name: str) -> str | None:
    """Why a zip member name could escape an extraction folder (absolute, drive letter, `..`), else None."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute path in zip"
    if "\\" in name:
        return "backslash in zip member name"
    if ".." in name.split("/"):
        return "'..' in zip member name"
    return None


@dataclasses.dataclass(frozen=True)
class ModelFile:
    """Where one model's OBJ lives: a file on disk, or a member of a (possibly nested) zip archive."""

    synset: str
    model_id: str
    layout: str  # "v1" or "v2"
    path: pathlib.Path  # the OBJ file, or the outermost zip
    members: tuple[str, ...] = ()  # zip member names from the outermost archive inwards

    @property
    def shape_id(self) -> str:
        return f"{self.synset}/{self.model_id}"

    @property
    def location(self) -> str:
        return "!".join([str(self.path), *self.members])


def find_models(manual_dir, synsets, skipped: SkippedInputs) -> list[ModelFile]:
    """The models of `synsets` in a ShapeNetCore manual dir, sorted by (synset, model id).

    Looks in extracted trees (`<synset>/` at the top or under one or two folders) and in zip archives there
    (ShapeNetCore.v1.zip with its per-synset zips, ShapeNetCore.v2.zip, or per-synset zips). A model present
    twice (both layouts, or extracted and zipped) is taken from its v2 file, then from the first location in
    sorted order, so the choice never depends on the file system's listing order.
    """
    manual_dir = pathlib.Path(manual_dir)
    if not manual_dir.is_dir():
        raise FileNotFoundError(f"ShapeNetCore manual dir not found: {manual_dir}")
    wanted = set(synsets)
    candidates = list(_extracted_models(manual_dir, wanted))
    with ModelReader() as reader:
        for depth in range(3):
            for archive_path in sorted(manual_dir.glob("/".join(["*"] * depth + ["*.zip"]))):
                candidates.extend(_archive_models(reader, (archive_path,), wanted, skipped))
    chosen: dict[tuple[str, str], ModelFile] = {}
    for model in sorted(candidates, key=lambda model: (model.layout != "v2", model.location)):
        chosen.setdefault((model.synset, model.model_id), model)
    return sorted(chosen.values(), key=lambda model: (model.synset, model.model_id))


def _extracted_models(manual_dir: pathlib.Path, synsets: set):
    for depth in range(3):
        for synset_dir in sorted(manual_dir.glob("/".join(["*"] * depth + ["[0-9]" * 8]))):
            if synset_dir.name not in synsets or not synset_dir.is_dir():
                continue
            for model_dir in sorted(synset_dir.iterdir()):
                for layout, relative in (("v2", V2_MODEL_FILE), ("v1", V1_MODEL_FILE)):
                    if (model_dir / relative).is_file():
                        yield ModelFile(synset_dir.name, model_dir.name, layout, model_dir / relative)


def _archive_models(reader: "ModelReader", key: tuple, synsets: set, skipped: SkippedInputs):
    """Models in the archive `key` (outer path, then nested member names), descending into per-synset zips."""
    try:
        archive = reader.archive(key)
    except ValueError as error:
        skipped.skip("!".join(map(str, key)), str(error))
        return
    for info in archive.infolist():
        reason = unsafe_member_reason(info.filename)
        if reason:
            skipped.skip("!".join([*map(str, key), info.filename]), reason)
            continue
        model = _MEMBER_PATTERN.match(info.filename)
        nested = _NESTED_ZIP_PATTERN.match(info.filename)
        if model and model["synset"] in synsets:
            layout = "v2" if model["file"] == V2_MODEL_FILE else "v1"
            yield ModelFile(model["synset"], model["model_id"], layout, key[0], (*key[1:], info.filename))
        elif nested and nested["synset"] in synsets:
            # ShapeNetCore.v1.zip holds one zip per synset.
            yield from _archive_models(reader, (*key, info.filename), synsets, skipped)


class ModelReader:
    """Reads models' OBJ bytes; a context manager that keeps the archives it opened until closed."""

    def __init__(self):
        self._archives: dict[tuple, zipfile.ZipFile] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        # Inner archives first: they read through their parents.
        for key in sorted(self._archives, key=len, reverse=True):
            self._archives.pop(key).close()

    def archive(self, key: tuple) -> zipfile.ZipFile:
        """The open archive for (outer zip path, member, member, ...); ValueError if it is not a readable zip."""
        if key not in self._archives:
            try:
                if len(key) == 1:
                    self._archives[key] = zipfile.ZipFile(key[0])
                else:
                    # ZipFile reads a member stream by seeking, so a nested archive is never extracted.
                    self._archives[key] = zipfile.ZipFile(self.archive(key[:-1]).open(key[-1]))
            except (OSError, EOFError, zipfile.BadZipFile) as error:
                raise ValueError(f"unreadable zip ({type(error).__name__}: {error})") from error
        return self._archives[key]

    def read(self, model: ModelFile) -> bytes:
        """The OBJ bytes of `model`; ValueError if it is larger than MAX_OBJ_BYTES or cannot be read."""
        try:
            if model.members:
                archive = self.archive((model.path, *model.members[:-1]))
                size = archive.getinfo(model.members[-1]).file_size
            else:
                size = model.path.stat().st_size
            if size > MAX_OBJ_BYTES:
                raise ValueError(f"file of {size} bytes exceeds MAX_OBJ_BYTES = {MAX_OBJ_BYTES}")
            return archive.read(model.members[-1]) if model.members else model.path.read_bytes()
        except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
            raise ValueError(f"unreadable file ({type(error).__name__}: {error})") from error


def mesh_from_obj(data: bytes) -> trimesh.Trimesh:
    """The mesh of an OBJ file's bytes, turned to face +z and normalized (bounding-box diagonal 1, centred).

    Raises ValueError saying why the file is unusable: empty, no faces (not a mesh, or truncated before its
    faces), more than MAX_FACES faces, faces pointing at missing vertices, NaN or infinite vertices.
    """
    if not data.strip():
        raise ValueError("empty file")
    face_lines = data.count(b"\nf ") + data.startswith(b"f ")
    if face_lines > MAX_FACES:
        raise ValueError(f"{face_lines} faces exceed MAX_FACES = {MAX_FACES}")
    try:
        mesh = trimesh.load(io.BytesIO(data), file_type="obj", force="mesh", process=False, skip_materials=True)
    except Exception as error:  # noqa: BLE001 - a parser of untrusted files fails in many ways; all mean "skip"
        raise ValueError(f"not a readable OBJ mesh ({type(error).__name__}: {error})") from error
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise ValueError("no faces (not a mesh, or truncated)")
    if len(mesh.faces) > MAX_FACES:
        raise ValueError(f"{len(mesh.faces)} faces exceed MAX_FACES = {MAX_FACES}")
    if not np.all(np.isfinite(mesh.vertices)):
        raise ValueError("NaN or infinite vertex coordinates")
    mesh.apply_transform(_TURN_TO_FRONT)
    return normalize_mesh(mesh)


def select_models(models, split: str, count: int | None = None) -> list[ModelFile]:
    """The models of `split` (by a hash of the model id: HELD_OUT_FRACTION of them are held out for testing),
    the first `count` of them (all when None) in hash order, so that a subset is the same on every machine."""
    if split not in (splits.TRAIN, splits.TEST):
        raise ValueError(f"split must be {splits.TRAIN!r} or {splits.TEST!r}, got {split!r}")
    chosen = [model for model in models if splits.split_of(model.model_id, HELD_OUT_FRACTION) == split]
    chosen.sort(key=lambda model: (splits.hash_score(model.model_id), model.synset))
    return chosen if count is None else chosen[:count]


def load_mesh(reader: ModelReader, model: ModelFile) -> trimesh.Trimesh:
    """The normalized mesh of `model` (see mesh_from_obj); ValueError naming the reason if unusable."""
    return mesh_from_obj(reader.read(model))


def ground_truth_voxels(manual_dir, shape_ids, resolution: int) -> np.ndarray:
    """Solid occupancy bool [M, N, N, N] of ShapeNet models given as shape ids `<synset>/<model id>` (the
    dataset's `shape_id` feature), voxelized exactly as for the dataset's renders when `resolution` is the
    dataset's `voxel_resolution`. Raises ValueError naming a shape id that is missing or unusable."""
    ids = [shape_ids] if isinstance(shape_ids, str) else list(shape_ids)
    if not ids:
        raise ValueError("shape_ids must name at least one model")
    synsets = {shape_id.partition("/")[0] for shape_id in ids}
    found = {model.shape_id: model for model in find_models(manual_dir, synsets, SkippedInputs("ShapeNet file"))}
    grids = []
    with ModelReader() as reader:
        for shape_id in ids:
            if shape_id not in found:
                raise ValueError(f"shape_ids: {shape_id!r} is not in the ShapeNetCore manual dir {manual_dir}")
            try:
                grids.append(voxelize(load_mesh(reader, found[shape_id]), resolution))
            except ValueError as error:
                raise ValueError(f"shape_ids: {shape_id!r} is unusable: {error}") from error
    return np.stack(grids)
