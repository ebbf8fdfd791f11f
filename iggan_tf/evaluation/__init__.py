"""Evaluation of generators (DESIGN section 7): samples rendered through the OpenGL pool and scored against a
dataset's held-out data with iggan_tf.metrics and the feature network.

Modules: `held_out_data` (what is compared with), `candidates` (the shapes under evaluation and their renders),
`scores` (every score of one set of candidates), `evaluate` (the library behind `iggan-eval`, writing eval.json
and eval.md), `report` (the Markdown table), `during_training` (`evaluate_generator`, the small-N scores the
training loop logs). This package file imports nothing, so `iggan-eval` parses its flags before TensorFlow loads.
"""
