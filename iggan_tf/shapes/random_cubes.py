"""Random cubes: a few boxes of random size, position and orientation, for pre-training the neural renderer.

The paper pre-trains RenderNet on such shapes (Table 3); they cover varied occupancy, occlusion and
self-shadowing without belonging to any object class.
"""

import numpy as np
import trimesh

from iggan_tf.shapes import parts


def build_random_cubes(rng: np.random.Generator):
    """Two to six boxes, each axis-aligned or randomly rotated, overlapping or scattered in a unit region."""
    count = int(rng.integers(2, 7))
    pieces = []
    for _ in range(count):
        cube = parts.centred_box(rng.uniform(0.1, 0.6, size=3), (0.0, 0.0, 0.0))
        if rng.random() < 0.5:
            # A unit quaternion with normally distributed components is a uniformly random rotation.
            quaternion = rng.normal(size=4)
            cube.apply_transform(trimesh.transformations.quaternion_matrix(quaternion / np.linalg.norm(quaternion)))
        pieces.append(cube.apply_translation(rng.uniform(-0.35, 0.35, size=3)))
    return parts.assemble(pieces)
