"""The voxels of a dataset's shapes from their `shape_id`s, exactly as the dataset rendered them: regenerated for
`synthetic_shapes`, voxelized from the ShapeNetCore manual dir for `shapenet_renders`. Evaluation compares with
them; the 3D baselines draw their real images from them."""

import numpy as np

from iggan_tf.datasets import shapenet_files, synthetic_collection


def dataset_shape_voxels(dataset: str, shape_ids, resolution: int, manual_dir=None) -> np.ndarray:
    """bool [len(shape_ids), N, N, N] voxels of the shapes `shape_ids` of `dataset` (a tfds name with config) at
    `resolution` N, the dataset's voxel_resolution. ValueError naming what is missing."""
    name = dataset.partition("/")[0]
    if name == "synthetic_shapes":
        return synthetic_collection.ground_truth_voxels(shape_ids, resolution)
    if name != "shapenet_renders":
        raise ValueError(f"dataset {dataset} is not a dataset of shapes (synthetic_shapes or shapenet_renders)")
    if not manual_dir:
        raise ValueError(f"the shapes of {dataset} need --manual_dir, the ShapeNetCore folder or zip")
    return shapenet_files.ground_truth_voxels(manual_dir, shape_ids, resolution)
