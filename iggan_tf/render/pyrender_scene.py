"""The default renderer's drawing: pyrender's own directional lights, its standard (metallic-roughness) shader
and shadow maps, one persistent context per worker, one view per OpenGL frame.

Imports pyrender, so only render workers import it: pyrender and TensorFlow crash in one process.
The camera and the lights are fixed; each mesh is rotated into the camera frame instead (the lights move
with the camera, so this is the same picture). One view per frame: pyrender fits each light's shadow map to
the whole scene, so views sharing a frame would shadow each other and share the map's resolution, and the
fixed cost per frame that sharing would save (measured: 4-5 ms of CPU on llvmpipe) is small against a view's
(20-60 ms without shadows, 55-160 ms with them, at 32^3 -> 64^2 and 64^3 -> 128^2). That cost is llvmpipe
running pyrender's lit shader and its filtered shadow-map lookups (9 per light and pixel) for marching-cubes
triangles smaller than a pixel: it grows with the image side rather than its area.
Normal maps (the paper's Figure 3) colour each point by its unit normal n in the camera frame (right, up,
towards the camera) as RGB (n + 1) / 2, through pyrender's unlit shader.
"""

import numpy as np
import pyrender
import pyrender.renderer

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH
from iggan_tf.render import pyrender_textures
from iggan_tf.render.lighting import Lighting

# The camera sits on +z looking down -z; meshes lie within VIEW_HALF_WIDTH of the origin, so clipping
# planes at this distance -+ 1.5 * VIEW_HALF_WIDTH never cut them.
_CAMERA_DISTANCE = 2.0 * VIEW_HALF_WIDTH
# A matte gray: pyrender's shader with no metal and full roughness is Lambertian plus a faint sheen.
_GRAY = 0.8
# pyrender's shader keeps 4% of the base colour for specular reflection, and the diffuse term loses the
# Fresnel reflectance, at least 4% more.
_DIFFUSE_SHARE = (1.0 - 0.04) ** 2
# pyrender's shader turns linear radiance into display values with this gamma.
_DISPLAY_GAMMA = 2.2
# Each light's shadow map: texels per side (pyrender's default is 2048), and the depth range it spans in
# units of the scene's diagonal (pyrender's default is 10). pyrender's shader offsets depths by a fixed share
# of that range (0.05% where light meets a surface at 60 degrees): with a map fitted to the scene and 24
# diagonals of depth, that is 0.2 pixels of a 128^2 view per texel and 1.5 pixels of offset, and a lit cube
# shows no shadow acne (measured: 0.01% of its pixels over 2 gray levels darker, against 15% with
# pyrender's defaults and 49% with its camera and 1024 texels).
_SHADOW_TEXELS = 1024
_SHADOW_DEPTH_DIAGONALS = 24.0


def _linear(display: float) -> float:
    return display**_DISPLAY_GAMMA


def _light_pose(direction) -> np.ndarray:
    """A pose whose +z is `direction` (towards the light): pyrender's directional lights shine along -z."""
    towards_light = np.asarray(direction, dtype=np.float64)
    helper = np.array([0.0, 1.0, 0.0]) if abs(towards_light[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x_axis = np.cross(helper, towards_light)
    x_axis /= np.linalg.norm(x_axis)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([x_axis, np.cross(towards_light, x_axis), towards_light], axis=1)
    return pose


class _Mesh(pyrender.Mesh):
    """A pyrender mesh whose bounds are its primitives' (pyrender 0.1.45 computes them with np.infty, which
    numpy 2 removed; its shadow pass fits each light's map to these bounds)."""

    @property
    def bounds(self):
        return np.stack([np.min([p.bounds[0] for p in self.primitives], axis=0),
                         np.max([p.bounds[1] for p in self.primitives], axis=0)])


class _CameraLight(pyrender.DirectionalLight):
    """pyrender's directional light with a shadow map fitted to the scene: pyrender places the map's camera
    one diagonal from the scene's centre, so the scene lies within half a diagonal of its axis."""

    def _get_shadow_camera(self, scene_scale):
        return pyrender.OrthographicCamera(
            xmag=scene_scale / 2,
            ymag=scene_scale / 2,
            znear=scene_scale / 4,
            zfar=(0.25 + _SHADOW_DEPTH_DIAGONALS) * scene_scale,
        )


class PyrenderScene:
    """Draws meshes seen through given camera rotations into uint8 gray images [K, S, S] or normal maps.

    Brightness (display values, as pyrender's shader writes them): a visible surface that no light reaches
    shows `lighting.ambient`; one facing a light head-on shows about `ambient + intensity`, the Lambertian
    cosine law applying in pyrender's linear radiance before its gamma. With `shadows`, a point that another
    part of the mesh hides from a light gets no light from it.
    """

    def __init__(self, image_size: int, lighting: Lighting, shadows: bool):
        self.image_size = image_size
        self._flags = pyrender.RenderFlags.SHADOWS_DIRECTIONAL if shadows else pyrender.RenderFlags.NONE
        self._renderer = pyrender.OffscreenRenderer(image_size, image_size)
        ambient = _linear(lighting.ambient) / _GRAY
        self._scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=(ambient, ambient, ambient))
        camera = pyrender.OrthographicCamera(
            xmag=VIEW_HALF_WIDTH,
            ymag=VIEW_HALF_WIDTH,
            znear=_CAMERA_DISTANCE - 1.5 * VIEW_HALF_WIDTH,
            zfar=_CAMERA_DISTANCE + 1.5 * VIEW_HALF_WIDTH,
        )
        camera_pose = np.eye(4)
        camera_pose[2, 3] = _CAMERA_DISTANCE
        self._scene.add(camera, pose=camera_pose)
        # Radiance such that a head-on lit surface shows ambient + intensity (the diffuse term is
        # radiance * gray * _DIFFUSE_SHARE / pi, added to the ambient term in linear units).
        radiance = np.pi * (_linear(lighting.ambient + lighting.intensity) - _linear(lighting.ambient))
        radiance /= _GRAY * _DIFFUSE_SHARE
        for direction in lighting.directions:
            light = _CameraLight(color=(1.0, 1.0, 1.0), intensity=radiance)
            light._generate_shadow_texture(_SHADOW_TEXELS)
            self._scene.add(light, pose=_light_pose(direction))
        # pyrender sizes the shadow pass's viewport by this module constant, not by the texture.
        pyrender.renderer.SHADOW_TEX_SZ = _SHADOW_TEXELS
        # Floats, not ints: pyrender reads integer colours as 0..255.
        self._material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=(_GRAY, _GRAY, _GRAY, 1.0), metallicFactor=0.0, roughnessFactor=1.0
        )
        self._normal_material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=(1.0, 1.0, 1.0, 1.0), baseColorTexture=pyrender_textures.normal_colors()
        )

    def render(self, meshes, rotations: np.ndarray, normal_maps: bool = False) -> np.ndarray:
        """Images uint8 [K, S, S] of meshes [(vertices [V, 3], faces [F, 3], unit vertex normals [V, 3])] in
        world coordinates within radius VIEW_HALF_WIDTH of the origin, seen through rotations [K, 3, 3]
        (rows right, up, forward). Faces wind counter-clockwise seen from outside; back faces are culled.
        With `normal_maps`, RGB normal maps uint8 [K, S, S, 3] instead of shaded gray."""
        channels = (3,) if normal_maps else ()
        images = np.zeros((len(meshes), self.image_size, self.image_size, *channels), np.uint8)
        for index, ((vertices, faces, normals), rotation) in enumerate(zip(meshes, rotations)):
            if len(faces):
                images[index] = self._render_view(vertices, faces, normals, rotation, normal_maps)
        return images

    def close(self) -> None:
        self._renderer.delete()

    def _render_view(self, vertices, faces, normals, rotation, normal_maps: bool) -> np.ndarray:
        # Camera coordinates (right, up, forward) to OpenGL's (right, up, towards the camera).
        to_opengl = np.asarray(rotation, dtype=np.float32) * np.float32([[1.0], [1.0], [-1.0]])
        normals_in_camera = normals @ to_opengl.T
        indices = np.asarray(faces, dtype=np.uint32)
        if normal_maps:
            primitive = pyrender.Primitive(
                positions=vertices @ to_opengl.T,
                indices=indices,
                texcoord_0=pyrender_textures.normal_coordinates(normals_in_camera),
                material=self._normal_material,
            )
            flags = pyrender.RenderFlags.FLAT  # unlit: the texture's value is the pixel value
        else:
            primitive = pyrender.Primitive(
                positions=vertices @ to_opengl.T, normals=normals_in_camera, indices=indices, material=self._material
            )
            flags = self._flags
        node = self._scene.add(_Mesh([primitive]))
        try:
            color, _ = self._renderer.render(self._scene, flags=flags)
        finally:
            self._scene.remove_node(node)
        return color if normal_maps else color[..., 0]
