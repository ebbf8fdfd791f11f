"""The shapes under evaluation and their renders: samples of a generator binarized at 0.5, or dataset training
shapes (the real-data floor), each seen once from a random view of the dataset's camera distribution
through the OpenGL pool, the pipeline the dataset's own renders came from; or, for a 2D generator (the DCGAN
baseline), its own images."""

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
    def binarize(occupancy):
        return (occupancy[..., 0] if occupancy.ndim == 5 else occupancy) > BINARIZATION_THRESHOLD

    return _decode(decode_occupancy, latent_dim, num_samples, seed, binarize)


def sample_images(decode_images, latent_dim: int, num_samples: int, seed: int) -> np.ndarray:
    """float32 [num_samples, S, S, C]: a 2D generator's images G(z) for the same seeded z as sample_binary_voxels."""
    return _decode(decode_images, latent_dim, num_samples, seed, lambda images: images)


def _decode(decode, latent_dim: int, num_samples: int, seed: int, per_batch) -> np.ndarray:
    """`per_batch` of the decoded float32 batches, concatenated: a 64^3 float32 batch of 32 is 32 MiB, so
    occupancy is thresholded batch by batch, never held for all samples."""
    check_count("num_samples", num_samples)
    z = latent_vectors(latent_dim, num_samples, seed)
    return np.concatenate([per_batch(np.asarray(decode(z[start : start + _GENERATOR_BATCH]), np.float32))
                           for start in range(0, num_samples, _GENERATOR_BATCH)])


def keras_decoder(generator):
    """The decoder of a Keras generator z [B, Z] -> [B, N, N, N, 1] or images [B, S, S, C] (any dtype policy)."""
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
