"""Camera conventions shared by OpenGL rendering and the neural view transform (DESIGN section 2).

Pure numpy so the render workers, which must never import TensorFlow, can use it.
The camera is orthographic and looks at the origin from azimuth a, elevation e (degrees): it sits in
direction (sin a cos e, sin e, cos a cos e). The camera frame has axes (right, up, forward): image
columns grow with `right`, image rows grow with `-up`, depth grows with `forward` (away from the camera).
"""

import dataclasses

import numpy as np

# Half-width of the square that the image and the view grid cover: a rotated unit cube is never clipped.
VIEW_HALF_WIDTH = float(np.sqrt(3.0) / 2.0)


@dataclasses.dataclass(frozen=True)
class ViewRange:
    """Azimuth and elevation intervals in degrees from which views are drawn uniformly."""

    azimuth: tuple[float, float] = (0.0, 360.0)
    elevation: tuple[float, float] = (15.0, 60.0)

    def __post_init__(self):
        for name, (low, high) in (("azimuth", self.azimuth), ("elevation", self.elevation)):
            if not (np.isfinite(low) and np.isfinite(high) and low <= high):
                raise ValueError(f"ViewRange.{name} must be a finite (low, high) with low <= high, got {(low, high)}")
        if not (-90.0 <= self.elevation[0] and self.elevation[1] <= 90.0):
            raise ValueError(f"ViewRange.elevation must lie in [-90, 90], got {self.elevation}")

    def sample(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Draws `count` views; returns (azimuth, elevation) float32 arrays in degrees."""
        azimuth = rng.uniform(*self.azimuth, size=count).astype(np.float32)
        elevation = rng.uniform(*self.elevation, size=count).astype(np.float32)
        return azimuth, elevation


# The paper's camera distributions (Section 4.2).
FULL_TURN_HIGH = ViewRange(azimuth=(0.0, 360.0), elevation=(15.0, 60.0))  # tubs, couches
FULL_TURN_WIDE = ViewRange(azimuth=(0.0, 360.0), elevation=(-30.0, 60.0))  # chairs
LIMITED_VIEWPOINT = ViewRange(azimuth=(-60.0, 60.0), elevation=(15.0, 60.0))  # chairs LVP


def check_angles(azimuth, elevation, batch_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validates view angles (degrees) as 1-D finite arrays of equal length; raises ValueError naming the argument."""
    checked = []
    for name, values in (("azimuth", azimuth), ("elevation", elevation)):
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of degrees, got shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values")
        if batch_size is not None and array.shape[0] != batch_size:
            raise ValueError(f"{name} has {array.shape[0]} entries but the batch has {batch_size}")
        checked.append(array)
    if checked[0].shape != checked[1].shape:
        raise ValueError(f"azimuth and elevation differ in length: {checked[0].shape[0]} vs {checked[1].shape[0]}")
    if np.any(np.abs(checked[1]) > 90.0):
        raise ValueError("elevation must lie in [-90, 90] degrees")
    return checked[0], checked[1]


def camera_direction(azimuth, elevation) -> np.ndarray:
    """Unit vectors [B, 3] from the origin towards the camera."""
    a = np.radians(np.asarray(azimuth, dtype=np.float64))
    e = np.radians(np.asarray(elevation, dtype=np.float64))
    return np.stack([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)], axis=-1)


def world_to_camera(azimuth, elevation) -> np.ndarray:
    """Rotations [B, 3, 3] whose rows are the camera's right, up and forward axes in world coordinates.

    `world_to_camera @ p` gives a world point's (right, up, forward) coordinates.
    """
    a = np.radians(np.asarray(azimuth, dtype=np.float64))
    e = np.radians(np.asarray(elevation, dtype=np.float64))
    zeros = np.zeros_like(a)
    right = np.stack([np.cos(a), zeros, -np.sin(a)], axis=-1)
    up = np.stack([-np.sin(a) * np.sin(e), np.cos(e), -np.cos(a) * np.sin(e)], axis=-1)
    forward = -camera_direction(azimuth, elevation)
    return np.stack([right, up, forward], axis=-2)


def light_directions_in_camera(offset_degrees: float = 45.0, below_degrees: float = 45.0) -> np.ndarray:
    """Directions [2, 3] (right, up, towards-camera) from which the paper's two lights shine.

    Paper 4.2: two beam lights illuminate the object from `below_degrees` below the camera and
    `offset_degrees` to its left and right.
    """
    lights = []
    for side in (-1.0, 1.0):
        h = np.radians(side * offset_degrees)
        v = np.radians(-below_degrees)
        lights.append([np.sin(h) * np.cos(v), np.sin(v), np.cos(h) * np.cos(v)])
    return np.asarray(lights)
