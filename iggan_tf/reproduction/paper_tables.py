"""The paper's Tables 1-3 (Lunz et al. 2020, Section 5): their layout and published FIDs, printed beside ours.

FIDs in the paper were computed with an Inception network retrained on renders of 21 ShapeNet classes, at 64^3
voxels and 128^2 images on ShapeNet: they rank the methods within a column; their values are not comparable with
this repository's (another feature network, other data and scale).
"""

# Table 1, rows in the paper's order: (method, label).
TABLE_1_ROWS = (("dcgan_2d", "2D-DCGAN"), ("visual_hull", "Visual Hull"), ("absorption_only", "Absorption Only"),
                ("iggan", "IG-GAN (Ours)"))
# Table 1 columns in the paper's order: (setting, class).
TABLE_1_COLUMNS = tuple((setting, class_name) for setting in ("500", "one_per_model", "unlimited")
                        for class_name in ("tub", "couch", "chair")) + (("lvp", "chair"),)
SETTING_LABELS = {"500": "500", "one_per_model": "One per model", "unlimited": "Unlimited", "lvp": "LVP"}
CLASS_LABELS = {"tub": "Tubs", "couch": "Couches", "chair": "Chairs"}
_TABLE_1_FID = {
    "dcgan_2d": (737.7, 540.5, 672.8, 461.8, 354.3, 362.3, 226.7, 210.9, 133.2, 237.9),
    "visual_hull": (305.8, 279.3, 183.4, 184.6, 106.2, 37.1, 90.1, 35.1, 15.7, 34.5),
    "absorption_only": (336.9, 282.9, 218.2, 275.8, 78.0, 32.8, 104.5, 25.5, 23.8, 38.6),
    "iggan": (187.8, 114.1, 119.9, 67.5, 35.8, 20.7, 44.0, 17.8, 13.6, 20.6),
}
TABLE_1_FID = {(method, column): fid for method, fids in _TABLE_1_FID.items()
               for column, fid in zip(TABLE_1_COLUMNS, fids)}

# Table 2 (no DOM, one per model): rows x columns, each the paper's (chairs, couches) FIDs; IG-GAN with DOM is the
# reference the paper's caption gives.
TABLE_2_ROWS = ("Retrained", "Fixed")
TABLE_2_COLUMNS = ("OpenGL", "RenderNet")
TABLE_2_FID = {
    ("Retrained", "OpenGL"): (86.4, 180.1), ("Retrained", "RenderNet"): (74.7, 144.8),
    ("Fixed", "OpenGL"): (113.7, 323.5), ("Fixed", "RenderNet"): (103.9, 124.6),
}
TABLE_2_REFERENCE_FID = (20.7, 35.8)
TABLE_2_CLASSES = ("chair", "couch")

# Table 3 (chairs, one per model): renderer pre-trained on the class itself, on tables or on random cubes,
# retrained during GAN training ("Ours") or fixed.
TABLE_3_ROWS = ("Ours", "Fixed")
TABLE_3_COLUMNS = ("own class", "Tables", "Random")
TABLE_3_FID = {
    ("Ours", "own class"): 22.6, ("Ours", "Tables"): 20.7, ("Ours", "Random"): 20.4,
    ("Fixed", "own class"): 37.8, ("Fixed", "Tables"): 105.8, ("Fixed", "Random"): 141.9,
}
