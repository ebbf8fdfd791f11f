"""Writes the static report of one or more training workdirs into a folder: index.html, the vendored viewer, and
per run a bounded selection of its sample grids and meshes, with turntables drawn by the OpenGL worker pool.

The folder opens from file:// with no network and no server, and can be moved as a whole: it holds copies of
what it shows (never checkpoints or exports). Meshes also go into small scripts as data: URIs, since a page
opened from file:// may not fetch its neighbouring files. No TensorFlow here, except what tensorboard loads to
read event files.
"""

import base64
import dataclasses
import importlib.resources
import json
import os
import pathlib
import re
import shutil

import trimesh

from iggan_tf.pictures import save_gif
from iggan_tf.render.backends import DEFAULT_RENDERER
from iggan_tf.report import page
from iggan_tf.report.workdir_contents import read_workdir
from iggan_tf.serving.gallery import GalleryOptions, turntable_frames
from iggan_tf.serving.mesh_files import writable_dir

INDEX_NAME = "index.html"
_ASSETS = ("static/report.css", "static/report.js")
_VIEWER_FOLDER = "vendor/model-viewer"
# RGBA of the meshes in the viewer.
CLAY_COLOUR = (160, 122, 84, 255)


@dataclasses.dataclass(frozen=True)
class ReportOptions:
    """How much of each run the report holds and how its turntables are drawn (0 turntable frames: none)."""

    max_meshes: int = 8
    max_grids: int = 12
    turntable_frames: int = GalleryOptions.turntable_frames
    seconds_per_frame: float = GalleryOptions.seconds_per_frame
    image_size: int = 128
    renderer: str = DEFAULT_RENDERER
    shadows: bool = True
    render_workers: int | None = None

    def __post_init__(self):
        for name, minimum in (("max_meshes", 0), ("max_grids", 0), ("turntable_frames", 0), ("image_size", 8)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        if not self.seconds_per_frame > 0:
            raise ValueError(f"seconds_per_frame must be > 0, got {self.seconds_per_frame!r}")


def _unique_anchors(workdirs: list) -> list:
    """Folder-safe names of the runs, from their workdirs' names, made unique with -2, -3, ..."""
    anchors = []
    for workdir in workdirs:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", pathlib.Path(workdir).resolve().name) or "run"
        anchor, number = base, 2
        while anchor in anchors:
            anchor, number = f"{base}-{number}", number + 1
        anchors.append(anchor)
    return anchors


def _write_bytes(data: bytes, path: pathlib.Path) -> None:
    """Writes under a temporary name and renames: an interrupted report never leaves a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _copy(source, destination: pathlib.Path) -> None:
    """Copies a file (a path, or a resource of the package) like _write_bytes: atomically."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{destination.name}.tmp")
    with importlib.resources.as_file(source) as path:
        shutil.copyfile(path, temporary)
    os.replace(temporary, destination)


def _copy_assets(out_dir: pathlib.Path) -> None:
    package = importlib.resources.files("iggan_tf.report")
    for asset in _ASSETS:
        _copy(package / asset, out_dir / "assets" / pathlib.PurePosixPath(asset).name)
    for item in (package / _VIEWER_FOLDER).iterdir():
        if item.name.endswith(".js") or item.name.startswith(("LICENSE", "README")):
            _copy(item, out_dir / "assets" / "model-viewer" / item.name)


def _load_mesh(path: pathlib.Path) -> trimesh.Trimesh:
    try:
        return trimesh.load(path, force="mesh")
    except Exception as error:  # trimesh raises many types for a damaged file
        raise ValueError(f"mesh {path} cannot be read: {error}") from None


def _coloured_glb(mesh: trimesh.Trimesh) -> bytes:
    """The mesh as GLB with a matte clay material: the workdir's meshes carry none, and a viewer draws them
    white, which shows little of their shading on a light background."""
    coloured = mesh.copy()
    coloured.visual = trimesh.visual.TextureVisuals(material=trimesh.visual.material.PBRMaterial(
        baseColorFactor=CLAY_COLOUR, metallicFactor=0.0, roughnessFactor=0.8))
    return coloured.export(file_type="glb")


def _copy_shape(path: pathlib.Path, anchor: str, out_dir: pathlib.Path, options: ReportOptions, turntables: list):
    """Writes one mesh's GLB (coloured) and its data: URI script; returns its ShapeFiles. A mesh with faces whose turntable
    is wanted is added to `turntables` as (mesh, gif path) for _write_turntables."""
    mesh = _load_mesh(path)
    glb = _coloured_glb(mesh)
    key = f"{anchor}/{path.stem}"
    folder = pathlib.PurePosixPath("runs", anchor)
    glb_path = folder / "meshes" / f"{path.stem}.glb"
    script_path = glb_path.with_name(glb_path.name + ".js")
    _write_bytes(glb, out_dir / glb_path)
    uri = "data:model/gltf-binary;base64," + base64.b64encode(glb).decode("ascii")
    _write_bytes(f"(window.igganMeshes = window.igganMeshes || {{}})[{json.dumps(key)}] = {json.dumps(uri)};\n"
                 .encode(), out_dir / script_path)
    turntable = None
    if options.turntable_frames and len(mesh.faces):
        turntable = folder / "turntables" / f"{path.stem}.gif"
        turntables.append((mesh, out_dir / turntable))
    return page.ShapeFiles(path.name, key, str(glb_path), str(script_path), str(turntable) if turntable else None)


def _copy_run(contents, anchor: str, out_dir: pathlib.Path, options: ReportOptions, turntables: list):
    """Copies one run's selected grids and meshes into runs/<anchor>/; returns its RunPage."""
    grids = []
    for step, path in contents.grids:
        relative = pathlib.PurePosixPath("runs", anchor, "samples", path.name)
        _copy(path, out_dir / relative)
        grids.append((step, str(relative)))
    shapes = [_copy_shape(path, anchor, out_dir, options, turntables) for path in contents.meshes]
    return page.RunPage(anchor, contents, grids, shapes)


def write_report(workdirs, out_dir, options: ReportOptions = ReportOptions()) -> pathlib.Path:
    """Writes the report of `workdirs` into `out_dir` and returns its index.html, written last.

    ValueError naming the folder or file at fault: no workdirs, a folder that is no training workdir, an output
    folder that cannot be written, a file that cannot be read.
    """
    workdirs = [pathlib.Path(workdir) for workdir in workdirs]
    if not workdirs:
        raise ValueError("workdirs is empty: name at least one training workdir")
    runs = [read_workdir(workdir, options.max_grids, options.max_meshes) for workdir in workdirs]
    out_dir = writable_dir(out_dir, "out")
    _copy_assets(out_dir)
    turntables = []
    pages = [_copy_run(contents, anchor, out_dir, options, turntables)
             for anchor, contents in zip(_unique_anchors(workdirs), runs)]
    _write_turntables(turntables, options)
    index = out_dir / INDEX_NAME
    _write_bytes(page.render_page(pages).encode(), index)
    return index


def _write_turntables(jobs: list, options: ReportOptions) -> None:
    """Draws every (mesh, gif path) in one call of one worker pool, started only when there is a mesh to draw."""
    if not jobs:
        return
    from iggan_tf.render import OpenGLRenderer

    workers = min(len(jobs), options.render_workers or len(os.sched_getaffinity(0)))
    with OpenGLRenderer(options.image_size, workers=workers, renderer=options.renderer,
                        shadows=options.shadows) as renderer:
        frames = turntable_frames([mesh for mesh, _ in jobs], renderer, options.turntable_frames)
    for index, (_, path) in enumerate(jobs):
        save_gif(frames[index], path, options.seconds_per_frame)
