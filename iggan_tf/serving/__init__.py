"""Serving the trained generator: its versioned SavedModel (written for TF Serving, read back here) and the
sampling tool that turns it into meshes and pictures (DESIGN section 6).

Like the top-level package this imports nothing heavy; import the submodules you need.
"""
