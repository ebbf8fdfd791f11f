"""The fast renderer `pyrender_unlit`: pyrender as a rasterizer only, four views per frame, our own lighting.

About four times faster than the default `pyrender` (iggan_tf.render.pyrender_scene) on llvmpipe, because
pyrender's lit shader and its shadow lookups run for every tiny marching-cubes triangle; in exchange no
shadows, and the lights are not pyrender's. Imports pyrender, so only render workers import it: pyrender and
TensorFlow crash in one process.

The camera and the lights are fixed; each mesh is rotated into the camera frame instead (the lights
move with the camera, so this is the same picture). Gray levels are the Lighting's vertex brightness,
interpolated by OpenGL; the background is exactly 0. Normal maps (the paper's Figure 3) colour each point by
its unit normal n in the camera frame (right, up, towards the camera) as RGB (n + 1) / 2 instead.

The brightness reaches OpenGL as a coordinate into a gray ramp texture from `ambient` to 1 rather than as
a vertex colour (see iggan_tf.render.pyrender_textures for why); normal maps look their colours up in the
same way.
"""

import numpy as np
import pyrender

from iggan_tf.render import frame_layout, pyrender_textures
from iggan_tf.render.lighting import Lighting

# The camera sits on +z looking down -z; meshes lie within the unit ball of frame units, so clipping
# planes at this distance -+ 1.5 never cut them.
_CAMERA_DISTANCE = 2.0
# Texels of the brightness ramp: adjacent texels differ by less than one output gray level.
_RAMP_TEXELS = 256


def _brightness_ramp(ambient: float) -> pyrender.Texture:
    """A gray texture [1, _RAMP_TEXELS] from `ambient` to 1, sampled linearly and clamped at both ends."""
    gray = np.round(255.0 * np.linspace(ambient, 1.0, _RAMP_TEXELS)).astype(np.uint8)
    rgb = np.repeat(gray[np.newaxis, :, np.newaxis], 3, axis=2)
    return pyrender.Texture(source=rgb, source_channels="RGB", sampler=pyrender_textures.clamped_linear_sampler())


def _ramp_coordinates(brightness: np.ndarray, ambient: float) -> np.ndarray:
    """Texture coordinates [V, 2] at which the ramp shows `brightness` (texel centres hold the ramp's values)."""
    position = (brightness - ambient) / (1.0 - ambient) * (_RAMP_TEXELS - 1)
    return np.stack([(position + 0.5) / _RAMP_TEXELS, np.full_like(position, 0.5)], axis=1).astype(np.float32)


class TiledFrameRenderer:
    """Draws meshes seen through given camera rotations into uint8 gray images [K, S, S] or normal maps.
    Draws no shadows: `shadows` must be False (the pool checks it against the registry)."""

    def __init__(self, image_size: int, lighting: Lighting, shadows: bool):
        if shadows:
            raise ValueError("shadows: the pyrender_unlit renderer draws no shadows")
        self.image_size = image_size
        self.lighting = lighting
        frame_size = frame_layout.TILES_PER_SIDE * image_size
        self._renderer = pyrender.OffscreenRenderer(frame_size, frame_size)
        self._scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=(0.0, 0.0, 0.0))
        camera = pyrender.OrthographicCamera(
            xmag=frame_layout.TILES_PER_SIDE,
            ymag=frame_layout.TILES_PER_SIDE,
            znear=_CAMERA_DISTANCE - 1.5,
            zfar=_CAMERA_DISTANCE + 1.5,
        )
        camera_pose = np.eye(4)
        camera_pose[2, 3] = _CAMERA_DISTANCE
        self._scene.add(camera, pose=camera_pose)
        # Floats, not ints: pyrender reads integer colours as 0..255.
        self._material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=(1.0, 1.0, 1.0, 1.0), baseColorTexture=_brightness_ramp(lighting.ambient)
        )
        self._normal_material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=(1.0, 1.0, 1.0, 1.0), baseColorTexture=pyrender_textures.normal_colors()
        )

    def render(self, meshes, world_to_camera: np.ndarray, normal_maps: bool = False) -> np.ndarray:
        """Images uint8 [K, S, S] of meshes [(vertices [V, 3], faces [F, 3], unit vertex normals [V, 3])] in
        world coordinates within radius VIEW_HALF_WIDTH of the origin, seen through rotations [K, 3, 3]
        (rows right, up, forward). Faces wind counter-clockwise seen from outside; back faces are culled.
        With `normal_maps`, RGB normal maps uint8 [K, S, S, 3] instead of shaded gray."""
        channels = (3,) if normal_maps else ()
        images = np.zeros((len(meshes), self.image_size, self.image_size, *channels), np.uint8)
        for start in range(0, len(meshes), frame_layout.VIEWS_PER_FRAME):
            stop = start + frame_layout.VIEWS_PER_FRAME
            images[start:stop] = self._render_frame(meshes[start:stop], world_to_camera[start:stop], normal_maps)
        return images

    def close(self) -> None:
        self._renderer.delete()

    def _render_frame(self, meshes, world_to_camera, normal_maps: bool):
        positions, coordinates, faces = [], [], []
        vertex_count = 0
        for tile, ((vertices, mesh_faces, normals), rotation) in enumerate(zip(meshes, world_to_camera)):
            if len(mesh_faces) == 0:
                continue
            rotation = np.asarray(rotation, dtype=np.float32)
            positions.append(frame_layout.frame_positions(vertices @ rotation.T, tile, self.image_size))
            # Lights are given as (right, up, towards the camera): the camera normal with forward negated.
            normals_in_camera = (normals @ rotation.T) * np.float32([1.0, 1.0, -1.0])
            if normal_maps:
                coordinates.append(pyrender_textures.normal_coordinates(normals_in_camera))
            else:
                brightness = self.lighting.vertex_brightness(normals_in_camera)
                coordinates.append(_ramp_coordinates(brightness, self.lighting.ambient))
            faces.append(np.asarray(mesh_faces, dtype=np.int64) + vertex_count)
            vertex_count += len(vertices)
        frame_size = frame_layout.TILES_PER_SIDE * self.image_size
        if not faces:
            frame = np.zeros((frame_size, frame_size, 3) if normal_maps else (frame_size, frame_size), np.uint8)
        else:
            primitive = pyrender.Primitive(
                positions=np.concatenate(positions),
                indices=np.concatenate(faces).astype(np.uint32),
                texcoord_0=np.concatenate(coordinates),
                material=self._normal_material if normal_maps else self._material,
            )
            node = self._scene.add(pyrender.Mesh([primitive]))
            try:
                # FLAT: pyrender's unlit shader, so the texture's value is the pixel value.
                color, _ = self._renderer.render(self._scene, flags=pyrender.RenderFlags.FLAT)
            finally:
                self._scene.remove_node(node)
            frame = color if normal_maps else color[..., 0]
        return frame_layout.split_frame(frame, self.image_size)[: len(meshes)]
