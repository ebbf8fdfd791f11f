"""What generated shapes are compared with: a dataset's held-out (test split) renders, the ground-truth voxels
of those held-out shapes, and the dataset's training shapes, which stand in for a perfect generator (the floor).

Works for the datasets of 3D objects, `synthetic_shapes` (ground truth regenerated from shape ids) and
`shapenet_renders` (ground truth voxelized from the manual dir; without one, image scores only).
"""

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from iggan_tf.datasets import splits
from iggan_tf.datasets.shape_voxels import dataset_shape_voxels
from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.training import real_images

SHAPE_DATASETS = ("synthetic_shapes", "shapenet_renders")


@dataclasses.dataclass(frozen=True)
class HeldOutData:
    """One dataset as evaluation needs it. Voxels are None where no ground truth can be had."""

    dataset: str
    class_name: str
    image_size: int
    voxel_resolution: int
    view_range: ViewRange
    held_out_images: np.ndarray  # uint8 [M, S, S, 1], the test split's renders
    held_out_shape_ids: tuple  # the distinct shapes behind them, in order of first appearance
    held_out_voxels: np.ndarray | None  # bool [len(held_out_shape_ids), N, N, N]
    training_shape_ids: tuple  # the train split's distinct shapes: candidates of the real-data floor
    manual_dir: str | None = None

    def ground_truth_voxels(self, shape_ids) -> np.ndarray:
        """bool [len(shape_ids), N, N, N] voxels of dataset shapes, exactly as the dataset rendered them."""
        return dataset_shape_voxels(self.dataset, shape_ids, self.voxel_resolution, self.manual_dir)

    @property
    def has_ground_truth(self) -> bool:
        return self.held_out_voxels is not None


def _split_examples(builder, split: str, decode_images: bool):
    decoders = None if decode_images else {"image": tfds.decode.SkipDecoding()}
    return tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False, decoders=decoders))


def _distinct(shape_ids) -> tuple:
    return tuple(dict.fromkeys(shape_ids))


def load_held_out_data(dataset: str, data_dir: str | None = None, manual_dir: str | None = None,
                       max_held_out: int | None = None, renderer: str | None = None,
                       shadows: bool = True) -> HeldOutData:
    """Reads (preparing it on first use) `dataset`, e.g. synthetic_shapes/tub_500_64.

    `max_held_out` caps the held-out renders (None: the whole test split). ValueError naming the dataset when
    it is not a dataset of 3D shapes or has no test split, or, with a `renderer`, was drawn by another renderer
    or shadows setting (see real_images.load_builder).
    """
    name = dataset.partition("/")[0]
    if name not in SHAPE_DATASETS:
        raise ValueError(f"dataset must be one of {SHAPE_DATASETS} with a config (e.g. synthetic_shapes/tub_500_64), "
                         f"got {dataset!r}")
    if max_held_out is not None and (isinstance(max_held_out, bool) or not isinstance(max_held_out, int)
                                     or max_held_out < 2):
        raise ValueError(f"max_held_out must be None or an integer >= 2, got {max_held_out!r}")
    builder = real_images.load_builder(dataset, data_dir, manual_dir, renderer, shadows)
    if splits.TEST not in builder.info.splits:
        raise ValueError(f"dataset {dataset} has no {splits.TEST!r} split to compare with")
    images, held_out_ids = [], []
    for example in _split_examples(builder, splits.TEST, decode_images=True):
        if max_held_out is not None and len(images) == max_held_out:
            break
        images.append(example["image"])
        held_out_ids.append(example["shape_id"].decode())
    if not images:
        raise ValueError(f"dataset {dataset} has an empty {splits.TEST!r} split: nothing to compare with")
    training_ids = _distinct(example["shape_id"].decode() for example in _split_examples(builder, splits.TRAIN, False))
    metadata = builder.info.metadata
    data = HeldOutData(
        dataset=dataset,
        class_name=builder.builder_config.class_name,
        image_size=int(images[0].shape[0]),
        voxel_resolution=int(metadata["voxel_resolution"]),
        view_range=real_images.view_range_of(builder),
        held_out_images=np.stack(images),
        held_out_shape_ids=_distinct(held_out_ids),
        held_out_voxels=None,
        training_shape_ids=training_ids,
        manual_dir=manual_dir,
    )
    if name == "shapenet_renders" and not manual_dir:
        return data
    return dataclasses.replace(data, held_out_voxels=data.ground_truth_voxels(data.held_out_shape_ids))
