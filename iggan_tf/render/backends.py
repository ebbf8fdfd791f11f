"""The renderers the pool can run, by name: the drawing class a worker imports and the interpreter it runs in.

Adding a renderer is one entry here plus its drawing module. A drawing class is constructed as
`Cls(image_size, lighting, shadows)` and provides `render(meshes, rotations, normal_maps=False)` and `close()`
(see iggan_tf.render.worker). Imports neither TensorFlow, pyrender nor bpy: the pool, the datasets and the
binaries read names from here, and only workers import the drawing modules.
"""

import dataclasses
import os
import pathlib
import sys
from typing import Callable

import iggan_tf

DEFAULT_RENDERER = "pyrender"
# The Blender workers run in their own environment (bpy needs numpy < 2, the project numpy >= 2).
BLENDER_PYTHON_VARIABLE = "IGGAN_BLENDER_PYTHON"
BLENDER_ENVIRONMENT_SCRIPT = "scripts/blender_env.sh"
_REPOSITORY_ROOT = pathlib.Path(iggan_tf.__file__).resolve().parent.parent


class RendererUnavailableError(RuntimeError):
    """A known renderer whose environment is missing on this machine."""


def _this_interpreter() -> str:
    return sys.executable


def _blender_interpreter() -> str:
    """The Python of the Blender environment: $IGGAN_BLENDER_PYTHON, else <repository>/.venv-blender/bin/python."""
    environment = _REPOSITORY_ROOT / ".venv-blender"
    path = os.environ.get(BLENDER_PYTHON_VARIABLE) or str(environment / "bin" / "python")
    # The script's stamp is written last: without it, the default environment's install did not finish.
    unfinished = not os.environ.get(BLENDER_PYTHON_VARIABLE) and not (environment / ".iggan_installed").is_file()
    if unfinished or not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RendererUnavailableError(
            f"the blender renderer runs in its own Python environment, but {path} is not an executable: "
            f"create it with {BLENDER_ENVIRONMENT_SCRIPT} or set {BLENDER_PYTHON_VARIABLE} to its python"
        )
    return path


@dataclasses.dataclass(frozen=True)
class Backend:
    """One renderer: `drawing_module`.`drawing_class` draws in workers run by the Python whose path
    `interpreter()` returns, resolved only when the renderer is used (RendererUnavailableError if missing).
    A renderer that cannot cast shadows has `draws_shadows=False`; the pool then asks for shadows=False."""

    name: str
    drawing_module: str
    drawing_class: str
    interpreter: Callable[[], str]
    description: str
    draws_shadows: bool = True

    def unavailable_reason(self) -> str | None:
        """Why this renderer cannot run here, or None when it can (tests skip with this reason)."""
        try:
            self.interpreter()
        except RendererUnavailableError as error:
            return str(error)
        return None


_BACKENDS = (
    Backend(
        name="pyrender",
        drawing_module="iggan_tf.render.pyrender_scene",
        drawing_class="PyrenderScene",
        interpreter=_this_interpreter,
        description="pyrender's directional lights, standard shader and shadow maps",
    ),
    Backend(
        name="pyrender_unlit",
        drawing_module="iggan_tf.render.tiled_frames",
        drawing_class="TiledFrameRenderer",
        interpreter=_this_interpreter,
        description="pyrender as a rasterizer only: our per-vertex Lambert, no shadows, 4 views per frame (fast)",
        draws_shadows=False,
    ),
    Backend(
        name="blender",
        drawing_module="iggan_tf.render.blender_scene",
        drawing_class="BlenderScene",
        interpreter=_blender_interpreter,
        description="Blender's Cycles path tracer on CPU (bpy in its own environment)",
    ),
)
_BY_NAME = {backend.name: backend for backend in _BACKENDS}
RENDERER_NAMES = tuple(_BY_NAME)


def backend(name: str) -> Backend:
    """The registry entry of renderer `name`; ValueError listing the known names for any other."""
    if not isinstance(name, str) or name not in _BY_NAME:
        raise ValueError(f"renderer must be one of {', '.join(RENDERER_NAMES)}, got {name!r}")
    return _BY_NAME[name]


# What drew everything made before renderers had names (workdirs, renderer records): the per-vertex Lambert path.
LEGACY_RENDERER = "pyrender_unlit"


def shadows_words(shadows: bool) -> str:
    """"with shadows" or "without shadows": the words of every description and record key of a shadows setting."""
    return "with shadows" if shadows else "without shadows"


def check_choice(name: str, shadows) -> None:
    """ValueError, in the binaries' flag words, unless `name` is a registered renderer and `shadows` a bool it can
    honour (a renderer that draws no shadows needs --noshadows)."""
    if not backend(name).draws_shadows and shadows is True:
        raise ValueError(f"--renderer={name} draws no shadows: add --noshadows")
    if not isinstance(shadows, bool):
        raise ValueError(f"shadows must be True or False, got {shadows!r}")
