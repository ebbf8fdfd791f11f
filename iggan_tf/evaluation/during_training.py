"""Scores the training loop logs every `eval_every` steps: a small sample of the generator in training, rendered
through the run's own OpenGL pool and compared with held-out renders. KID is the one to watch on small N (it
is unbiased); FID at small N is biased upwards but still tracks progress at a fixed N."""

import pathlib

import numpy as np

from iggan_tf.evaluation import candidates, scores
from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.metrics import hollow_rate
from iggan_tf.metrics.feature_network import load_feature_network


def evaluate_generator(generator, opengl_renderer, held_out_images, class_name: str, view_range: ViewRange,
                       num_samples: int, seed: int = 0, kid_subsets: int = 100, feature_network=None) -> dict:
    """{"kid", "kid_std", "fid", "in_class_rate"[, "hollow_rate"]} as floats, ready for tf.summary.scalar.

    `generator`: the Keras generator z [B, Z] -> occupancy [B, N, N, N, 1]; `num_samples` of its shapes (the
    same latent vectors and views at every call, from `seed`) are binarized at 0.5, rendered by
    `opengl_renderer` from `view_range` and compared with `held_out_images` [M, S, S, 1] (the dataset's test
    split, e.g. HeldOutData.held_out_images). A 2D generator (z -> images [B, S, S, C]) is scored on its own
    images. The in-class rate is left out when the feature network (default: the shipped one) does not know
    `class_name`; the hollow rate is added for scores.CONCAVE_CLASSES (shapes only).
    """
    candidates.check_count("num_samples", num_samples, minimum=2)
    held_out_images = np.asarray(held_out_images)
    if held_out_images.ndim != 4 or held_out_images.shape[1] != opengl_renderer.image_size:
        raise ValueError(f"held_out_images must have shape [M, {opengl_renderer.image_size}, "
                         f"{opengl_renderer.image_size}, 1] like the renderer's images, got {held_out_images.shape}")
    feature_network = feature_network or load_feature_network()
    decoder, latent_dim = candidates.keras_decoder(generator), int(generator.input_shape[-1])
    if len(generator.output_shape) == 4:  # a 2D generator: its own images, no shapes
        voxels, images = None, candidates.sample_images(decoder, latent_dim, num_samples, seed)
    else:
        voxels = candidates.sample_binary_voxels(decoder, latent_dim, num_samples, seed)
        images = candidates.render_random_views(opengl_renderer, voxels, view_range, seed)
    held_out_features, _ = feature_network.features_and_logits(held_out_images)
    target = feature_network.class_index(class_name) if class_name in feature_network.classes else None
    image = scores.image_scores(feature_network, images, held_out_features, target, kid_subset_size=num_samples,
                                kid_subsets=kid_subsets, seed=seed)
    logged = {"kid": image["kid"]["value"], "kid_std": image["kid"]["std"], "fid": image["fid"]["value"]}
    if "in_class_rate" in image:
        logged["in_class_rate"] = image["in_class_rate"]["value"]
    if voxels is not None and class_name in scores.CONCAVE_CLASSES:
        logged["hollow_rate"] = hollow_rate(voxels).value
    return logged


def logged_scores(workdir) -> dict:
    """{step: {score: value}} of the `eval/*` scalars a run's loop logged, read from `workdir`/tensorboard, so
    that a run's in-training figures can be published (tools/in_training_scores.py) without TensorBoard."""
    from iggan_tf.report.training_curves import read_scalars

    curves = read_scalars(pathlib.Path(workdir) / "tensorboard")
    by_step = {}
    for tag, (steps, values) in curves.items():
        if tag.startswith("eval/"):
            for step, value in zip(steps.tolist(), values.tolist()):
                by_step.setdefault(int(step), {})[tag[len("eval/"):]] = float(value)
    if not by_step:
        raise ValueError(f"{workdir}: no eval/* scores under tensorboard/ (has the run reached --eval_every?)")
    return {step: by_step[step] for step in sorted(by_step)}
