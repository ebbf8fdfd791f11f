"""Reproduction of the paper's Tables 1-3 (`iggan-reproduce`): the declarative cells of each table at CPU or paper
scale (`cells`), the paper's published numbers (`paper_tables`), running what is missing of each cell's runs
(`runs`), and results.json and RESULTS.md (`results`). Imports no TensorFlow: training and evaluation run as the
iggan-train and iggan-eval binaries in subprocesses, one per run.
"""
