"""Lookup textures that both pyrender drawings share: values reach OpenGL as texture coordinates.

With multisampling, pixels that a triangle only partly covers are shaded at the pixel centre outside the
triangle, where interpolated vertex colours extrapolate (even below zero, which would turn covered pixels
black), while texture coordinates are clamped by the sampler to the texture's range. Imports pyrender, so
only render workers import it.
"""

import numpy as np
import pyrender

# Texels per side of the normal-map lookup: adjacent texels differ by about one output level.
_NORMAL_TEXELS = 256


def clamped_linear_sampler() -> pyrender.Sampler:
    return pyrender.Sampler(
        magFilter=pyrender.GLTF.LINEAR,
        minFilter=pyrender.GLTF.LINEAR,  # no mipmaps: they would average the texture under tiny triangles
        wrapS=pyrender.GLTF.CLAMP_TO_EDGE,
        wrapT=pyrender.GLTF.CLAMP_TO_EDGE,
    )


def normal_colors() -> pyrender.Texture:
    """An RGB texture [_NORMAL_TEXELS, _NORMAL_TEXELS] holding (n + 1) / 2 for the unit normal n facing the
    camera whose (right, up) is the texel centre, moved onto the unit circle outside it: the picture of a
    hemisphere's normal map, columns running right and rows down, like the images."""
    centres = (np.arange(_NORMAL_TEXELS) + 0.5) / _NORMAL_TEXELS * 2.0 - 1.0
    right, up = np.meshgrid(centres, -centres)
    length = np.maximum(np.hypot(right, up), 1.0)
    right, up = right / length, up / length
    towards = np.sqrt(np.maximum(1.0 - right**2 - up**2, 0.0))
    rgb = np.round(255.0 * (np.stack([right, up, towards], axis=-1) + 1.0) / 2.0).astype(np.uint8)
    return pyrender.Texture(source=rgb, source_channels="RGB", sampler=clamped_linear_sampler())


def normal_coordinates(normals_in_camera: np.ndarray) -> np.ndarray:
    """Texture coordinates [V, 2] at which normal_colors shows the colour of each camera-frame normal
    (right, up, towards the camera).

    pyrender hands texture rows to OpenGL as they are, so v = 0 samples the last row and v grows upwards."""
    return ((normals_in_camera[:, :2] + 1.0) / 2.0).astype(np.float32)
