"""All scores of one set of candidate shapes (generated, or real for the floor) against the held-out data,
as JSON-ready dicts that each carry their sample counts; image scores also carry the SHA-256 of the feature
network they were computed with.

Image scores: FID, KID and the in-class rate on features of the candidates' renders. Shape scores: COV, MMD
and 1-NNA under voxel IoU and under Chamfer distance (on a subset: its cost grows with the square of the set
size), and the hollow rate for classes that hold a cavity.
"""

import numpy as np

from iggan_tf.metrics import compare_shape_sets, frechet_distance, hollow_rate, in_class_rate, kernel_distance

# Classes whose shapes are containers (iggan_tf.shapes): their ground truth is hollow (hollow rate 1.0 at 32^3
# over held-out seeds), so the hollow rate tells a generated container from a filled block.
CONCAVE_CLASSES = ("tub", "vase", "mug")


# Brightest pixel at or below which a render [0, 1] shows nothing: the background is 0, and a shape the lights
# reach is far brighter than one 8-bit step.
BLANK_LEVEL = 1.0 / 255.0


def image_scores(feature_network, candidate_images, held_out_features: np.ndarray, target_class: int | None,
                 kid_subset_size: int, kid_subsets: int, seed: int) -> dict:
    """{"fid", "kid", "in_class_rate"} of renders [B, S, S, 1] against held-out features [M, F].

    KID's subset size is `kid_subset_size` clipped to the smaller set; the in-class rate counts blank renders
    (brightest pixel <= BLANK_LEVEL) as out of class, and is left out when `target_class` is None (a class the
    feature network does not know).
    """
    features, logits = feature_network.features_and_logits(candidate_images)
    subset_size = min(kid_subset_size, len(features), len(held_out_features))
    scores = {
        "fid": frechet_distance(held_out_features, features).to_dict(),
        "kid": kernel_distance(held_out_features, features, subset_size=subset_size, num_subsets=kid_subsets,
                               seed=seed).to_dict(),
    }
    if target_class is not None:
        blank = np.asarray(candidate_images).reshape(len(features), -1).max(axis=1) <= BLANK_LEVEL
        scores["in_class_rate"] = {**in_class_rate(logits, target_class, blank).to_dict(),
                                   "target_class_name": feature_network.classes[target_class]}
    for score in scores.values():
        score["feature_network_sha256"] = feature_network.sha256
    return scores


def shape_scores(candidate_voxels: np.ndarray, held_out_voxels: np.ndarray, class_name: str, shape_samples: int | None,
                 chamfer_samples: int, chamfer_points: int, seed: int, workers: int = 1) -> dict:
    """{"voxel_iou", "chamfer", "hollow_rate"} of candidate grids [B, N, N, N] against held-out grids [M, N, N, N].

    COV, MMD and 1-NNA compare the first K candidates with the first K held-out shapes, K = `shape_samples`
    (None: all) capped by the smaller set, so that 1-NNA's ideal stays 0.5 (it assumes equal sets); Chamfer
    likewise with K = `chamfer_samples`. Each record says what it was drawn from ("subset_of"). The hollow rate,
    over all candidates, only for CONCAVE_CLASSES.
    """
    if candidate_voxels.shape[1:] != held_out_voxels.shape[1:]:
        raise ValueError(f"candidate shapes have grids {candidate_voxels.shape[1:]} but the held-out shapes have "
                         f"{held_out_voxels.shape[1:]}; evaluate a generator at the dataset's voxel resolution")
    available = min(len(candidate_voxels), len(held_out_voxels))
    subset_of = {"candidates": int(len(candidate_voxels)), "held_out": int(len(held_out_voxels))}
    scores = {}
    for distance, wanted, points in (("voxel_iou", shape_samples, None), ("chamfer", chamfer_samples, chamfer_points)):
        size = available if wanted is None else min(wanted, available)
        options = {} if points is None else {"points_per_shape": points, "seed": seed, "workers": workers}
        score = compare_shape_sets(candidate_voxels[:size], held_out_voxels[:size], distance=distance, **options)
        scores[distance] = {**score.to_dict(), "subset_of": subset_of}
    if class_name in CONCAVE_CLASSES:
        scores["hollow_rate"] = hollow_rate(candidate_voxels).to_dict()
    return scores
