"""Measurements behind tools/benchmark.py, one module per section of its report."""
