"""What the report shows of one training workdir (layout: iggan_tf.training.loop), found and read without
TensorFlow: the run's record, its sample grids and meshes (a bounded number of each), curves and eval.json.
Checkpoints and exports are only listed, never read."""

import dataclasses
import json
import pathlib
import re

import numpy as np

from iggan_tf.methods import DEFAULT_METHOD, IMAGE_METHODS
from iggan_tf.report.training_curves import read_scalars
from iggan_tf.training.config import TRAINING_COMMAND_FILE, workdir_config_path

_GRID_NAME = re.compile(r"step_(\d+)\.png")
_STEP_FOLDER = re.compile(r"step_(\d+)")
# A shape's mesh files are written in every format; the viewer needs GLB, an older run may have only OBJ.
_MESH_SUFFIXES = (".glb", ".obj")
EVALUATION_RECORD = pathlib.Path("eval") / "eval.json"


@dataclasses.dataclass(frozen=True)
class RunContents:
    """One workdir's parts the report uses. `meshes` are the first meshes of the latest sampled step with any."""

    workdir: pathlib.Path
    config: dict
    commands: list  # command.txt: the command that started the run, then every resume
    flags_text: str
    grids: list  # [(step, path)], evenly spread over training, first and last included
    grid_count: int  # grids in the workdir, of which `grids` is a selection
    mesh_step: int | None
    meshes: list  # [path]
    evaluation: dict | None  # eval.json written by iggan-eval into <workdir>/eval
    export_versions: list  # version folders of export/generator
    curves: dict  # {tag: (steps, values)}

    @property
    def method(self) -> str:
        """The run's --method (runs from before --method existed trained IG-GAN)."""
        return self.config.get("method", DEFAULT_METHOD)

    @property
    def makes_shapes(self) -> bool:
        """Whether the run's generator makes voxels (meshes, turntables) rather than images only."""
        return self.method not in IMAGE_METHODS

    @property
    def last_step(self) -> int | None:
        """The latest step anything recorded (scalars, grids, meshes); None for a run that logged nothing yet."""
        steps = [int(steps[-1]) for steps, _ in self.curves.values() if len(steps)]
        steps += [step for step, _ in self.grids] + ([self.mesh_step] if self.mesh_step is not None else [])
        return max(steps, default=None)


def evenly_spread(items: list, count: int) -> list:
    """At most `count` of `items` at evenly spaced positions, the first and the last included."""
    if len(items) <= count:
        return list(items)
    if count <= 0:
        return []
    if count == 1:
        return [items[-1]]
    return [items[index] for index in np.unique(np.round(np.linspace(0, len(items) - 1, count)).astype(int))]


def _numbered(folder: pathlib.Path, pattern: re.Pattern, directories: bool) -> list:
    """[(number, path)] of the entries of `folder` whose whole name matches `pattern`, by number."""
    if not folder.is_dir():
        return []
    found = [(int(match.group(1)), path) for path in folder.iterdir()
             if (match := pattern.fullmatch(path.name)) and path.is_dir() == directories]
    return sorted(found)


def _meshes_of(step_folder: pathlib.Path) -> list:
    """One file per shape (`sample_<i>.glb`, or `.obj` when no GLB), by shape index."""
    shapes = {}
    for suffix in reversed(_MESH_SUFFIXES):
        for path in step_folder.glob(f"sample_*{suffix}"):
            shapes[path.stem] = path
    return [shapes[name] for name in sorted(shapes)]


def _read_json(path: pathlib.Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} cannot be read as JSON: {error}") from None


def _read_text(path: pathlib.Path) -> str:
    return path.read_text() if path.is_file() else ""


def read_workdir(workdir, max_grids: int, max_meshes: int) -> RunContents:
    """The RunContents of `workdir`, with at most `max_grids` grids and `max_meshes` meshes.

    ValueError naming the folder when it is no training workdir (no config.json), or naming a file that is
    not valid JSON.
    """
    workdir = pathlib.Path(workdir)
    config_path = workdir_config_path(workdir)
    if not config_path.is_file():
        raise ValueError(f"workdir {str(workdir)!r} is not a training workdir: it has no {config_path.name}")
    grids = _numbered(workdir / "samples", _GRID_NAME, directories=False)
    mesh_steps = [(step, _meshes_of(folder)) for step, folder in _numbered(workdir / "samples", _STEP_FOLDER, True)]
    mesh_steps = [(step, meshes) for step, meshes in mesh_steps if meshes]
    mesh_step, meshes = mesh_steps[-1] if mesh_steps else (None, [])
    evaluation_path = workdir / EVALUATION_RECORD
    export_root = workdir / "export" / "generator"
    return RunContents(
        workdir=workdir,
        config=_read_json(config_path),
        commands=_read_text(workdir / TRAINING_COMMAND_FILE).splitlines(),
        flags_text=_read_text(workdir / "flags.txt"),
        grids=evenly_spread(grids, max_grids),
        grid_count=len(grids),
        mesh_step=mesh_step,
        meshes=meshes[:max_meshes],
        evaluation=_read_json(evaluation_path) if evaluation_path.is_file() else None,
        export_versions=sorted((path.name for path in export_root.iterdir() if path.is_dir() and path.name.isdigit()),
                               key=int) if export_root.is_dir() else [],
        curves=read_scalars(workdir / "tensorboard"),
    )
