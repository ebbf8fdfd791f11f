"""The shapes under evaluation and their renders: samples of a generator binarized at 0.5, or dataset training
shapes (the real-data floor), each seen once from a random view of the dataset's camera distribution
through the OpenGL pool, the pipeline the dataset's own renders came from."""

import numpy as np

from iggan_tf.geometry.cameras import ViewRange

# Rows of candidates scored besides the generated shapes: the dataset's training shapes (the floor) and a freshly
# initialized generator of the same architecture.
REFERENCE_ROWS = ("real", "untrained")
# Generated occupancy is binarized here, as in the paper's figures and exports.
BINARIZATION_THRESHOLD = 0.5
# Latent codes decoded per generator call: a 64^3 float32 batch of 32 is 32 MiB.
_GENERATOR_BATCH = 32
# Views per renderer call: enough jobs to keep every worker busy.
_RENDER_BATCH = 128


def check_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def latent_vectors(latent_dim: int, num_samples: int, seed: int) -> np.ndarray:
    """z ~ N(0, I), float32 [num_samples, latent_dim], the same for the same seed."""
    return np.random.default_rng([seed, 0]).standard_normal((num_samples, latent_dim)).astype(np.float32)


def sample_binary_voxels(decode_occupancy, latent_dim: int, num_samples: int, seed: int) -> np.ndarray:
    """bool [num_samples, N, N, N]: 1[G(z) > 0.5] for seeded z ~ N(0, I).

    `decode_occupancy` maps z float32 [B, Z] to occupancy [B, N, N, N] or [B, N, N, N, 1] in [0, 1] (a loaded
    SavedModel's `generate`, or a Keras generator).
    """
    check_count("num_samples", num_samples)
    z = latent_vectors(latent_dim, num_samples, seed)
    batches = []
    for start in range(0, num_samples, _GENERATOR_BATCH):
        occupancy = np.asarray(decode_occupancy(z[start : start + _GENERATOR_BATCH]), np.float32)
        if occupancy.ndim == 5:
            occupancy = occupancy[..., 0]
        batches.append(occupancy > BINARIZATION_THRESHOLD)
    return np.concatenate(batches)


def keras_decoder(generator):
    """`decode_occupancy` of a Keras generator z [B, Z] -> [B, N, N, N, 1] (any dtype policy)."""
    return lambda z: np.asarray(generator(z, training=False), np.float32)


def cycled(shape_ids, count: int) -> list:
    """`count` shape ids taken in order, starting over when they run out (more views than shapes)."""
    if not shape_ids:
        raise ValueError("shape_ids must name at least one shape")
    return [shape_ids[index % len(shape_ids)] for index in range(count)]


def render_random_views(renderer, voxels: np.ndarray, view_range: ViewRange, seed: int) -> np.ndarray:
    """float32 [B, S, S, 1]: shape i of `voxels` [B, N, N, N] seen from view i of a seeded draw from
    `view_range`, rendered by `renderer` (an OpenGLRenderer)."""
    azimuth, elevation = view_range.sample(np.random.default_rng([seed, 1]), len(voxels))
    images = [
        renderer.render(voxels[start : start + _RENDER_BATCH], azimuth[start : start + _RENDER_BATCH],
                        elevation[start : start + _RENDER_BATCH])
        for start in range(0, len(voxels), _RENDER_BATCH)
    ]
    return np.concatenate(images)
