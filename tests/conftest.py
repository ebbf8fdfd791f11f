"""Imports iggan_tf before any test module imports TensorFlow, so its TensorFlow settings apply to the tests."""

import iggan_tf  # noqa: F401
