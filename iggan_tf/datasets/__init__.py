"""Training and evaluation data: tfds builders (one folder each) and the library code they share.

Importing this package registers the builders `synthetic_shapes`, `shapenet_renders` and `chanterelle` with
tfds (so `tfds.builder("synthetic_shapes/tub_500_64")` works), which imports TensorFlow; render workers never
import it. The library modules: `settings` (the paper's settings), `shape_renders` (voxelize and render
objects), `synthetic_collection`, `shapenet_files`, `photos`, `online_views` (unlimited views), `stream_order`
(which example a training stream shows at each position), `dataset_renderer` (which renderer drew a dataset; runs
with another are refused), `shape_voxels` (the voxels of a dataset's shapes from their ids).
"""

from iggan_tf.datasets.chanterelle import chanterelle_dataset_builder
from iggan_tf.datasets.shapenet_renders import shapenet_renders_dataset_builder
from iggan_tf.datasets.synthetic_shapes import synthetic_shapes_dataset_builder

__all__ = ["chanterelle_dataset_builder", "shapenet_renders_dataset_builder", "synthetic_shapes_dataset_builder"]
