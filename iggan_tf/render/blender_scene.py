"""The Blender drawing: one persistent Cycles scene per render worker that path-traces meshes on the CPU.

Imports bpy, so it runs only in workers started with the Blender environment's interpreter (bpy 5.0.1 needs
numpy < 2: scripts/blender_env.sh creates `.venv-blender`). The camera and the two sun lamps are fixed; each
mesh is rotated into the camera frame instead, as in the pyrender drawing (the lights move with the camera, so
this is the same picture). Cycles traces camera rays and from each hit a shadow ray towards a lamp (no bounces:
the paper's renders are directly lit), so the shadows are the path tracer's own. A white diffuse material plus an
emission of strength `ambient` gives every visible surface at least `ambient`; the world is black, so the
background is exactly 0. Colour management is Raw and dithering off: a pixel's gray level is the radiance.
"""

import contextlib
import math
import os
import sys
import tempfile

import bpy
import mathutils
import numpy as np

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH
from iggan_tf.render.lighting import Lighting

# Path-tracing samples per pixel. Against 256 samples, 8 leave a mean error of 3.3 gray levels inside the
# silhouette (4: 5.6, 16: 2.1) at two thirds of the time per view of 16; OpenImageDenoise adds about 0.3 s
# per view and raises the error at these sizes, so it stays off (measured: BUILD_NOTES.md, Blender).
SAMPLES = 8
# Of the Gaussian pixel filter, in pixels (Cycles' own scale: its default is 1.5).
_FILTER_WIDTH = 0.75
# The camera sits on +z looking down -z; meshes lie within VIEW_HALF_WIDTH of the origin, so clipping planes
# at this distance -+ 1.5 never cut them.
_CAMERA_DISTANCE = 3.0
# A sun lamp of strength E lights a white diffuse surface facing it to radiance E / pi.
_SUN_STRENGTH_PER_BRIGHTNESS = math.pi
# The pool runs one worker per core: more Cycles threads would only compete with the other workers.
_THREADS = 1
_BMP_HEADER_OFFSET = slice(10, 14)


def _configure_cycles(scene, image_size: int) -> None:
    scene.render.engine = "CYCLES"
    cycles = scene.cycles
    cycles.device = "CPU"
    cycles.samples = SAMPLES
    cycles.use_adaptive_sampling = False
    cycles.use_denoising = False
    # Direct light only: camera rays and shadow rays towards the lamps.
    cycles.max_bounces = 0
    cycles.direct_light_sampling_type = "NEXT_EVENT_ESTIMATION"
    # Anti-aliased edges whose silhouette (image > 0) grows about as much as with pyrender's multisampling.
    # Cycles' box filter is always one pixel wide, which grew it by more than the view-transform agreement
    # allows on thin parts (IoU 0.885 on a couch); a Gaussian of width 0.75 gives 0.924 (BUILD_NOTES.md, Blender).
    cycles.pixel_filter_type = "GAUSSIAN"
    cycles.filter_width = _FILTER_WIDTH
    render = scene.render
    render.threads_mode = "FIXED"
    render.threads = _THREADS
    render.resolution_x = render.resolution_y = image_size
    render.resolution_percentage = 100
    render.use_persistent_data = True
    render.dither_intensity = 0.0
    scene.view_settings.view_transform = "Raw"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0
    settings = render.image_settings
    settings.file_format = "BMP"
    settings.color_mode = "RGB"


def _black_world(scene) -> None:
    world = bpy.data.worlds.new("black")
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.0
    scene.world = world


def _add_camera(scene) -> None:
    camera = bpy.data.cameras.new("camera")
    camera.type = "ORTHO"
    camera.ortho_scale = 2.0 * VIEW_HALF_WIDTH  # the width of the square the image covers
    camera.clip_start = _CAMERA_DISTANCE - 1.5
    camera.clip_end = _CAMERA_DISTANCE + 1.5
    camera_object = bpy.data.objects.new("camera", camera)
    camera_object.location = (0.0, 0.0, _CAMERA_DISTANCE)  # unrotated, a Blender camera looks down -z, up +y
    scene.collection.objects.link(camera_object)
    scene.camera = camera_object


def _add_suns(scene, lighting: Lighting, shadows: bool) -> None:
    """One sun lamp per light, shining from its direction (right, up, towards the camera = Blender's x, y, z)."""
    for index, direction in enumerate(lighting.directions):
        sun = bpy.data.lights.new(f"sun{index}", "SUN")
        sun.energy = _SUN_STRENGTH_PER_BRIGHTNESS * lighting.intensity
        sun.angle = 0.0  # a point-like sun: hard shadows
        sun.use_shadow = shadows
        sun.cycles.use_multiple_importance_sampling = False  # nothing is glossy: lamp sampling alone is exact
        lamp = bpy.data.objects.new(f"sun{index}", sun)
        lamp.rotation_mode = "QUATERNION"
        # A sun shines along its local -z.
        lamp.rotation_quaternion = mathutils.Vector(direction).to_track_quat("Z", "Y")
        scene.collection.objects.link(lamp)


def _emitting_material(name: str):
    """(material, nodes, links) of an empty node material whose emission is seen but is no light source: else
    Cycles would sample the mesh's triangles as lamps, and build a light tree over them for every view."""
    material = bpy.data.materials.new(name)
    material.cycles.emission_sampling = "NONE"
    material.use_nodes = True
    material.node_tree.nodes.clear()
    return material, material.node_tree.nodes, material.node_tree.links


def _shaded_material(ambient: float):
    """White diffuse plus a uniform emission of `ambient`."""
    material, nodes, links = _emitting_material("shaded")
    diffuse = nodes.new("ShaderNodeBsdfDiffuse")
    diffuse.inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
    emission = nodes.new("ShaderNodeEmission")
    emission.inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
    emission.inputs["Strength"].default_value = ambient
    both = nodes.new("ShaderNodeAddShader")
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(diffuse.outputs["BSDF"], both.inputs[0])
    links.new(emission.outputs["Emission"], both.inputs[1])
    links.new(both.outputs["Shader"], output.inputs["Surface"])
    return material


def _normal_material():
    """Emits (n + 1) / 2 for the shading normal n: the mesh is in the camera frame, so world normals are
    camera-frame normals (right, up, towards the camera), as in the pyrender normal maps."""
    material, nodes, links = _emitting_material("normals")
    geometry = nodes.new("ShaderNodeNewGeometry")
    to_unit_range = nodes.new("ShaderNodeVectorMath")
    to_unit_range.operation = "MULTIPLY_ADD"
    to_unit_range.inputs[1].default_value = (0.5, 0.5, 0.5)
    to_unit_range.inputs[2].default_value = (0.5, 0.5, 0.5)
    emission = nodes.new("ShaderNodeEmission")
    emission.inputs["Strength"].default_value = 1.0
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(geometry.outputs["Normal"], to_unit_range.inputs[0])
    links.new(to_unit_range.outputs["Vector"], emission.inputs["Color"])
    links.new(emission.outputs["Emission"], output.inputs["Surface"])
    return material


@contextlib.contextmanager
def _quiet_stdout():
    """Sends what Blender prints for every render ("Saved: ...") to /dev/null instead of the pool's stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _read_bmp(path: str, size: int) -> np.ndarray:
    """uint8 [size, size, 3] RGB, top row first, from the 24-bit BMP that Blender wrote."""
    data = np.fromfile(path, dtype=np.uint8)
    start = int.from_bytes(data[_BMP_HEADER_OFFSET].tobytes(), "little")
    row_bytes = (3 * size + 3) // 4 * 4  # BMP rows are padded to 4 bytes
    rows = data[start : start + row_bytes * size].reshape(size, row_bytes)[:, : 3 * size]
    return rows.reshape(size, size, 3)[::-1, :, ::-1]  # stored bottom row first, as BGR


class BlenderScene:
    """Draws meshes seen through given camera rotations into uint8 gray images [K, S, S] or normal maps
    [K, S, S, 3] with Cycles, one view per render, in a scene built once."""

    def __init__(self, image_size: int, lighting: Lighting, shadows: bool):
        self.image_size = image_size
        bpy.ops.wm.read_factory_settings(use_empty=True)
        self._scene = bpy.context.scene
        _configure_cycles(self._scene, image_size)
        _black_world(self._scene)
        _add_camera(self._scene)
        _add_suns(self._scene, lighting, shadows)
        self._shaded = _shaded_material(lighting.ambient)
        self._normals = _normal_material()
        self._mesh = bpy.data.meshes.new("shape")
        self._mesh.materials.append(self._shaded)
        self._scene.collection.objects.link(bpy.data.objects.new("shape", self._mesh))
        # Blender writes each render to a file; a RAM-backed one where the machine has it.
        self._directory = tempfile.TemporaryDirectory(
            prefix="iggan-blender-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
        )
        self._scene.render.filepath = os.path.join(self._directory.name, "view.bmp")

    def render(self, meshes, world_to_camera: np.ndarray, normal_maps: bool = False) -> np.ndarray:
        """Images of meshes [(vertices [V, 3], faces [F, 3], unit vertex normals [V, 3])] in world coordinates
        within radius VIEW_HALF_WIDTH of the origin, seen through rotations [K, 3, 3] (rows right, up, forward)."""
        channels = (3,) if normal_maps else ()
        images = np.zeros((len(meshes), self.image_size, self.image_size, *channels), np.uint8)
        self._mesh.materials[0] = self._normals if normal_maps else self._shaded
        for index, ((vertices, faces, _), rotation) in enumerate(zip(meshes, world_to_camera)):
            if len(faces) == 0:
                continue
            # Forward is the camera's -z: negate it to get Blender's (x, y, z) = (right, up, towards camera).
            to_blender = np.asarray(rotation, dtype=np.float32) * np.float32([[1.0], [1.0], [-1.0]])
            self._set_mesh(vertices @ to_blender.T, faces)
            with _quiet_stdout():
                bpy.ops.render.render(write_still=True)
            rgb = _read_bmp(self._scene.render.filepath, self.image_size)
            images[index] = rgb if normal_maps else rgb[..., 0]
        return images

    def close(self) -> None:
        self._directory.cleanup()

    def _set_mesh(self, vertices: np.ndarray, faces: np.ndarray) -> None:
        """Replaces the shape's geometry. Blender computes its own smooth vertex normals: setting the given
        ones as custom normals doubles the time per view (measured) for the same surfaces."""
        mesh = self._mesh
        mesh.clear_geometry()
        mesh.vertices.add(len(vertices))
        mesh.loops.add(3 * len(faces))
        mesh.polygons.add(len(faces))
        # Through the attributes: MeshLoop.vertex_index costs fifty times as much per corner.
        mesh.attributes["position"].data.foreach_set("vector", np.ascontiguousarray(vertices, np.float32).ravel())
        mesh.attributes[".corner_vert"].data.foreach_set("value", np.ascontiguousarray(faces, np.int32).ravel())
        mesh.polygons.foreach_set("loop_start", np.arange(0, 3 * len(faces), 3, dtype=np.int32))
        mesh.shade_smooth()
        mesh.update()
