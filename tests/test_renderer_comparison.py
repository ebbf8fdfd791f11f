"""Tests for iggan_tf.render.renderer_comparison: one row per renderer setting, the same shapes in each."""

import numpy as np
import pytest

from iggan_tf.render import backends
from iggan_tf.render.renderer_comparison import RendererComparison, compare_renderers


@pytest.mark.slow  # three pools with pyrender's shaders: 70 s on a loaded 2-core machine
def test_each_renderer_setting_gets_a_row_of_the_same_shapes():
    settings = RendererComparison(classes=("tub", "table"), voxel_size=16, image_size=32, views=((30.0, 30.0),),
                                  workers=1, renderers=("pyrender", "pyrender_unlit"))
    picture, missing = compare_renderers(settings)
    assert missing == []
    # Rows: pyrender with and without shadows, pyrender_unlit; each 32 px plus 2 px padding above and below.
    assert picture.shape == (3 * (32 + 4), 150 + 2 * 32 + 3 * 2, 1)
    rows = [picture[36 * index + 2:36 * index + 34, 152:] for index in range(3)]
    silhouettes = [row > 0 for row in rows]
    for other in silhouettes[1:]:  # the same shapes from the same views: silhouettes nearly agree
        assert np.mean(other != silhouettes[0]) < 0.05
    assert not np.array_equal(rows[0], rows[1])  # shadows change the picture


def test_a_renderer_without_its_environment_is_left_out_and_named(monkeypatch):
    monkeypatch.setattr(backends.Backend, "unavailable_reason",
                        lambda self: "no bpy here" if self.name == "blender" else None)
    picture, missing = compare_renderers(RendererComparison(
        classes=("tub",), voxel_size=16, image_size=32, views=((30.0, 30.0),), workers=1,
        renderers=("pyrender_unlit", "blender")))
    assert missing == [("blender", "no bpy here"), ("blender no shadows", "no bpy here")]
    assert picture.shape[0] == 32 + 4
    with pytest.raises(RuntimeError, match="no renderer"):
        compare_renderers(RendererComparison(classes=("tub",), voxel_size=16, image_size=32, renderers=("blender",)))
