"""The cells of the paper's Tables 1-3, declared: each cell is a table, a row and a column, the paper's number, and
its runs (a flagfile with overrides, one run per seed). `table_cells(table, scale)` lists them.

CPU scale trains on the procedural shapes at 32^3 / 64^2 with the `flags/cpu_*` flagfiles: Table 1 in the one-per-
model setting (the CPU flagfiles' setting) for tubs, couches and chairs; Tables 2 and 3 on tubs, not the paper's
chairs: the tub's cavity is what shading reveals and silhouettes cannot, its hollow rate is scored besides FID,
and tub one-per-model is the smallest dataset (856 shapes x 4 views), the cheapest at CPU scale. The 3D rows of
the tubs column (IG-GAN, visual hull, absorption only) run with two seeds, so that their order is not noise.

Paper scale (GPU) uses the `flags/paper_*` flagfiles on ShapeNet (`shapenet_renders`, given a ShapeNetCore manual
dir) or, without one, on the procedural stand-ins, for every column of the paper's tables.
"""

import dataclasses
import pathlib

from iggan_tf.reproduction import paper_tables
from iggan_tf.training.config import TrainingConfig, config_from_flagfile

TABLES = (1, 2, 3)
SCALES = ("cpu", "paper")
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
FLAGS_DIR = "flags"
DEFAULT_SEEDS = (0,)
# The goal: the tubs row over two seeds, so that the order of IG-GAN and the 3D baselines is not noise.
TUB_SEEDS = (0, 1)
TUB_SEEDED_METHODS = ("iggan", "visual_hull", "absorption_only")
# Ablation class at CPU scale (see the module docstring).
CPU_ABLATION_CLASS = "tub"


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run: `flags/<flagfile>` with `overrides` ((flag, value) pairs, TrainingConfig fields) and a seed.

    `variant` names what the overrides change (e.g. the data source), so runs of one flagfile get distinct names.
    """

    flagfile: str
    seed: int = 0
    overrides: tuple = ()
    variant: str = ""

    @property
    def name(self) -> str:
        """The run's workdir name: `<flagfile stem>[_<variant>]_s<seed>`; runs shared by two tables share it."""
        stem = pathlib.Path(self.flagfile).stem
        return f"{stem}{'_' + self.variant if self.variant else ''}_s{self.seed}"

    @property
    def flagfile_path(self) -> pathlib.Path:
        return REPOSITORY / FLAGS_DIR / self.flagfile

    def config(self, workdir) -> TrainingConfig:
        """The TrainingConfig the run's command resolves to (ValueError naming a bad flagfile or override)."""
        return config_from_flagfile(self.flagfile_path, workdir=str(workdir), seed=self.seed, **dict(self.overrides))

    def train_flags(self, workdir) -> list:
        """The flags of its iggan-train command line (the same line resumes it)."""
        flags = [f"--flagfile={FLAGS_DIR}/{self.flagfile}", f"--workdir={workdir}"]
        for name, value in self.overrides:
            flags.append(f"--{name}" if value is True else f"--no{name}" if value is False else f"--{name}={value}")
        return flags + [f"--seed={self.seed}"]


@dataclasses.dataclass(frozen=True)
class Cell:
    """One cell of a table: its runs (one per seed) and the paper's number as printed (None: no such cell)."""

    table: int
    row: str
    column: str
    paper: str | None
    runs: tuple


def table_cells(table: int, scale: str, seeds: tuple | None = None, manual_dir: str | None = None) -> list:
    """The cells of `table` (1, 2 or 3) at `scale` ("cpu" or "paper"), each run with `seeds` (None: the cell's
    declared seeds). At paper scale a ShapeNetCore `manual_dir` makes every run train on shapenet_renders; without
    one they train on the procedural stand-ins (synthetic_shapes)."""
    if table not in TABLES:
        raise ValueError(f"--table must be one of {TABLES}, got {table!r}")
    if scale not in SCALES:
        raise ValueError(f"--scale must be one of {', '.join(SCALES)}, got {scale!r}")
    if scale == "cpu" and manual_dir:
        raise ValueError("--manual_dir is for --scale=paper (ShapeNet); the CPU scale trains on the procedural shapes")
    if seeds is not None and (not seeds or any(isinstance(seed, bool) or not isinstance(seed, int) or seed < 0
                                               for seed in seeds)):
        raise ValueError(f"--seeds must list integers >= 0, got {seeds!r}")
    declare = {1: _table_1, 2: _table_2, 3: _table_3}[table]
    return declare(scale, seeds, _PaperData(manual_dir) if scale == "paper" else None)


@dataclasses.dataclass(frozen=True)
class _PaperData:
    """Where paper-scale runs get their images: shapenet_renders with a manual dir, else synthetic_shapes."""

    manual_dir: str | None

    def overrides(self, class_name: str, setting: str) -> tuple:
        source = "shapenet_renders" if self.manual_dir else "synthetic_shapes"
        dataset = (("dataset", f"{source}/{class_name}_{setting}_128"),)
        return dataset + ((("manual_dir", self.manual_dir),) if self.manual_dir else ())

    @property
    def variant(self) -> str:
        return "shapenet" if self.manual_dir else "synthetic"


def _runs(flagfile: str, seeds: tuple, overrides: tuple = (), variant: str = "") -> tuple:
    return tuple(Run(flagfile, seed, overrides, variant) for seed in seeds)


def _method_suffix(method: str) -> str:
    return "" if method == "iggan" else f"_{method}"


def _table_1(scale: str, seeds, paper_data) -> list:
    cells = []
    for method, row in paper_tables.TABLE_1_ROWS:
        for setting, class_name in paper_tables.TABLE_1_COLUMNS:
            if scale == "cpu" and setting != "one_per_model":
                continue
            column = f"{paper_tables.SETTING_LABELS[setting]}: {paper_tables.CLASS_LABELS[class_name]}"
            paper = f"{paper_tables.TABLE_1_FID[method, (setting, class_name)]:g}"
            if scale == "cpu":
                declared = TUB_SEEDS if class_name == "tub" and method in TUB_SEEDED_METHODS else DEFAULT_SEEDS
                runs = _runs(f"cpu_{class_name}{_method_suffix(method)}.flags", seeds or declared)
            else:
                runs = _runs(f"paper_{class_name}_{setting}{_method_suffix(method)}.flags", seeds or DEFAULT_SEEDS,
                             paper_data.overrides(class_name, setting), paper_data.variant)
            cells.append(Cell(1, row, column, paper, runs))
    return cells


_TABLE_2_FLAGS = {("Retrained", "OpenGL"): "nodom_retrained_opengl", ("Retrained", "RenderNet"): "nodom_retrained_rendernet",
                  ("Fixed", "OpenGL"): "nodom_fixed_opengl", ("Fixed", "RenderNet"): "nodom_fixed_rendernet"}
_REFERENCE_ROW = "IG-GAN (with DOM)"


def _table_2(scale: str, seeds, paper_data) -> list:
    seeds = seeds or DEFAULT_SEEDS
    cells = []
    if scale == "cpu":
        chairs_couches = "{:g} / {:g} (chairs / couches)"
        for (row, column), suffix in _TABLE_2_FLAGS.items():
            paper = chairs_couches.format(*paper_tables.TABLE_2_FID[row, column])
            cells.append(Cell(2, row, column, paper, _runs(f"cpu_{CPU_ABLATION_CLASS}_table2_{suffix}.flags", seeds)))
        cells.append(Cell(2, _REFERENCE_ROW, "OpenGL", chairs_couches.format(*paper_tables.TABLE_2_REFERENCE_FID),
                          _runs(f"cpu_{CPU_ABLATION_CLASS}.flags", seeds)))
        return cells
    for index, class_name in enumerate(paper_tables.TABLE_2_CLASSES):
        label = paper_tables.CLASS_LABELS[class_name]
        overrides = paper_data.overrides(class_name, "one_per_model")
        variant = f"{paper_data.variant}_{class_name}"
        for (row, column), suffix in _TABLE_2_FLAGS.items():
            cells.append(Cell(2, row, f"{column}: {label}", f"{paper_tables.TABLE_2_FID[row, column][index]:g}",
                              _runs(f"paper_table2_{suffix}.flags", seeds, overrides, variant)))
        cells.append(Cell(2, _REFERENCE_ROW, f"OpenGL: {label}", f"{paper_tables.TABLE_2_REFERENCE_FID[index]:g}",
                          _runs(f"paper_{class_name}_one_per_model.flags", seeds, overrides, paper_data.variant)))
    return cells


def _table_3(scale: str, seeds, paper_data) -> list:
    seeds = seeds or DEFAULT_SEEDS
    if scale == "cpu":
        own, prefix, tables_run = CPU_ABLATION_CLASS, f"cpu_{CPU_ABLATION_CLASS}_table3", f"cpu_{CPU_ABLATION_CLASS}.flags"
        overrides, variant = (), ""
    else:
        own, prefix, tables_run = "chair", "paper_table3", "paper_chair_one_per_model.flags"
        overrides, variant = paper_data.overrides("chair", "one_per_model"), paper_data.variant
    flagfiles = {
        ("Ours", "own class"): f"{prefix}_pretrain_{own}.flags",
        ("Ours", "Tables"): tables_run,
        ("Ours", "Random"): f"{prefix}_pretrain_random_cubes.flags",
        ("Fixed", "own class"): f"{prefix}_fixed_pretrain_{own}.flags",
        ("Fixed", "Tables"): f"{prefix}_fixed_pretrain_table.flags",
        ("Fixed", "Random"): f"{prefix}_fixed_pretrain_random_cubes.flags",
    }
    labels = {"own class": f"{paper_tables.CLASS_LABELS[own]} (the class itself)", "Tables": "Tables",
              "Random": "Random cubes"}
    return [Cell(3, row, labels[column], f"{paper_tables.TABLE_3_FID[row, column]:g}" + (
                 " (chairs)" if scale == "cpu" else ""), _runs(flagfile, seeds, overrides, variant))
            for (row, column), flagfile in flagfiles.items()]
