"""iggan-reproduce without training: the declared cells of Tables 1-3 against the flagfiles, the state of runs on
disk, running only what is missing (with the binaries replaced by fakes), and RESULTS.md from a synthetic
results.json."""

import json
import pathlib
import re
import subprocess
import sys

import pytest

from iggan_tf.methods import METHOD_NAMES
from iggan_tf.reproduction import cells, paper_tables, reproduce, results, runs
from iggan_tf.reproduction.cells import Run, table_cells

ALL = [(table, scale) for table in cells.TABLES for scale in cells.SCALES]


@pytest.mark.parametrize("table, scale", ALL)
def test_every_cell_names_flagfiles_that_parse_at_its_scale(table, scale):
    for cell in table_cells(table, scale, manual_dir="/shapenet" if scale == "paper" else None):
        assert cell.runs and cell.paper
        for run in cell.runs:
            config = run.config("w")
            assert config.voxel_size == (32 if scale == "cpu" else 64), run.flagfile
            if scale == "paper":
                assert config.dataset.startswith("shapenet_renders/") and config.manual_dir == "/shapenet"
            else:
                assert re.fullmatch(r"synthetic_shapes/\w+_64(_noshadows)?", config.dataset), run.flagfile


def test_every_method_of_a_cpu_column_trains_and_is_scored_on_the_same_dataset():
    datasets = {}
    for table in (1, 2, 3):
        for cell in table_cells(table, "cpu"):
            for run in cell.runs:
                config = run.config("w")
                datasets.setdefault(cell.column if table == 1 else "tubs", set()).add((config.dataset, config.shadows))
    assert all(len(pairs) == 1 for pairs in datasets.values()), datasets
    assert datasets["tubs"] == {("synthetic_shapes/tub_one_per_model_64_noshadows", False)}


def test_table_1_has_every_method_in_every_column_with_the_papers_numbers():
    cpu = table_cells(1, "cpu")
    assert len(cpu) == 4 * 3 and len(table_cells(1, "paper")) == 4 * 10
    methods = {row: method for method, row in paper_tables.TABLE_1_ROWS}
    assert sorted(methods.values()) == sorted(METHOD_NAMES)
    for cell in cpu:
        assert {run.config("w").method for run in cell.runs} == {methods[cell.row]}
        class_name = cell.runs[0].config("w").dataset.split("/")[1].split("_")[0]
        assert cell.column == f"One per model: {paper_tables.CLASS_LABELS[class_name]}"
        assert float(cell.paper) == paper_tables.TABLE_1_FID[methods[cell.row], ("one_per_model", class_name)]
        # The tubs row of the 3D methods over two seeds, so that its order is not noise.
        two_seeds = class_name == "tub" and methods[cell.row] != "dcgan_2d"
        assert [run.seed for run in cell.runs] == ([0, 1] if two_seeds else [0])
    assert [run.seed for run in table_cells(1, "cpu", seeds=(4,))[0].runs] == [4]


def test_the_ablations_run_on_tubs_and_change_only_the_ablated_flags():
    reference = Run("cpu_tub.flags").config("w")
    expected = {
        (2, "Retrained", "OpenGL"): {"dom_weight": 0.0},
        (2, "Retrained", "RenderNet"): {"dom_weight": 0.0, "discriminator_input": "rendernet"},
        (2, "Fixed", "OpenGL"): {"dom_weight": 0.0, "train_renderer": False},
        (2, "Fixed", "RenderNet"): {"dom_weight": 0.0, "train_renderer": False, "discriminator_input": "rendernet"},
        (2, "IG-GAN (with DOM)", "OpenGL"): {},
        (3, "Ours", "Tubs (the class itself)"): {"pretrain_class": "tub"},
        (3, "Ours", "Tables"): {},
        (3, "Ours", "Random cubes"): {"pretrain_class": "random_cubes"},
        (3, "Fixed", "Tubs (the class itself)"): {"pretrain_class": "tub", "train_renderer": False},
        (3, "Fixed", "Tables"): {"train_renderer": False},
        (3, "Fixed", "Random cubes"): {"pretrain_class": "random_cubes", "train_renderer": False},
    }
    declared = {(cell.table, cell.row, cell.column): cell for table in (2, 3) for cell in table_cells(table, "cpu")}
    assert sorted(declared) == sorted(expected)
    for key, changes in expected.items():
        config = declared[key].runs[0].config("w")
        assert config.changes_from(reference) == changes, key
    # IG-GAN's own tubs run is shared by Tables 1, 2 and 3: one workdir, trained once.
    assert declared[2, "IG-GAN (with DOM)", "OpenGL"].runs[0].name == declared[3, "Ours", "Tables"].runs[0].name == "cpu_tub_s0"


def test_bad_table_scale_seeds_and_a_manual_dir_at_cpu_scale_are_refused_naming_the_flag():
    for arguments, flag in (((4, "cpu"), "--table"), ((1, "gpu"), "--scale")):
        with pytest.raises(ValueError, match=flag):
            table_cells(*arguments)
    with pytest.raises(ValueError, match="--seeds"):
        table_cells(1, "cpu", seeds=(-1,))
    with pytest.raises(ValueError, match="--manual_dir is for --scale=paper"):
        table_cells(1, "cpu", manual_dir="/shapenet")
    result = subprocess.run([sys.executable, "-m", "iggan_tf.reproduction.main", "--table=4"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "--table=4" in result.stderr


# Runs on disk


def fake_run(workdir: pathlib.Path, step: int, exported: bool = True, evaluated_step: int | None = None, fid=50.0):
    """A workdir as iggan-train and iggan-eval leave it, without training."""
    (workdir / "checkpoints").mkdir(parents=True, exist_ok=True)
    (workdir / "checkpoints" / "checkpoint").write_text(f'model_checkpoint_path: "ckpt-{step}"\n')
    if exported:
        (workdir / "export" / "generator" / "1").mkdir(parents=True, exist_ok=True)
        (workdir / "export" / "generator" / "1" / "saved_model.pb").write_bytes(b"")
    if evaluated_step is not None:
        (workdir / "eval").mkdir(exist_ok=True)
        scores = {"fid": {"value": fid}, "kid": {"value": 0.01}, "in_class_rate": {"value": 0.9},
                  "hollow_rate": {"value": 0.8},
                  "voxel_iou": {"coverage": 0.5, "minimum_matching_distance": 0.4, "one_nearest_neighbour_accuracy": 0.7}}
        (workdir / "eval" / "eval.json").write_text(json.dumps({"step": evaluated_step, "method": "iggan", "rows": {
            "generated": {"scores": scores}, "real": {"scores": {"fid": {"value": 5.0}}}}}))
        (workdir / "eval" / "eval.md").write_text("# eval\n")


def test_run_state_tells_missing_partial_trained_and_evaluated_apart(tmp_path):
    run = Run("cpu_tub_visual_hull.flags")
    assert runs.run_state(run, tmp_path).status == runs.MISSING
    workdir = tmp_path / run.name
    fake_run(workdir, 300, exported=False)
    state = runs.run_state(run, tmp_path)
    assert (state.status, state.step, state.train_steps) == (runs.PARTIAL, 300, 5000)
    fake_run(workdir, 5000)
    assert runs.run_state(run, tmp_path).status == runs.TRAINED
    fake_run(workdir, 5000, evaluated_step=4000)  # an evaluation of an earlier export does not count
    assert runs.run_state(run, tmp_path).status == runs.TRAINED
    fake_run(workdir, 5000, evaluated_step=5000)
    state = runs.run_state(run, tmp_path)
    assert state.status == runs.EVALUATED
    assert state.train_command == ["iggan-train", "--flagfile=flags/cpu_tub_visual_hull.flags",
                                   f"--workdir={workdir}", "--seed=0"]
    assert state.eval_command[:2] == ["iggan-eval", f"--workdir={workdir}"]


def test_reproduce_runs_only_what_is_missing_and_writes_results_even_when_a_run_fails(tmp_path, monkeypatch):
    runs_dir, output_dir = tmp_path / "runs", tmp_path / "out"
    names = [run.name for cell in table_cells(2, "cpu") for run in cell.runs]
    fake_run(runs_dir / names[0], 5000, evaluated_step=5000, fid=40.0)  # done: nothing to run
    fake_run(runs_dir / names[1], 5000)  # trained: evaluate only
    fake_run(runs_dir / names[2], 100, exported=False)  # partial: resume, then evaluate
    executed = []

    def execute(command, log_path):
        workdir = pathlib.Path(next(flag for flag in command if flag.startswith("--workdir=")).split("=", 1)[1])
        executed.append(f"{command[0]} {workdir.name}")
        if workdir.name == names[3]:
            raise RuntimeError(f"{command[0]} failed; see {log_path}")
        if command[0] == "iggan-train":
            fake_run(workdir, 5000)
        else:
            fake_run(workdir, 5000, evaluated_step=5000, fid=60.0)

    monkeypatch.setattr(reproduce, "execute", execute)
    with pytest.raises(RuntimeError, match="failed"):
        reproduce.reproduce(2, "cpu", runs_dir, output_dir, echo=lambda text: None)
    assert executed == [f"iggan-eval {names[1]}", f"iggan-train {names[2]}", f"iggan-eval {names[2]}",
                        f"iggan-train {names[3]}"]
    written = json.loads((output_dir / results.RESULTS_JSON).read_text())
    assert [written["runs"][name]["status"] for name in names] == ["evaluated"] * 3 + ["missing"] * 2
    assert (output_dir / names[0] / "eval.json").is_file()  # copied beside RESULTS.md, to be committed
    assert "40.0 · 86.4 / 180.1 (chairs / couches)" in (output_dir / results.RESULTS_MARKDOWN).read_text()


def test_a_dry_run_prints_the_pending_commands_and_changes_nothing(tmp_path):
    printed = []
    assert reproduce.reproduce(3, "cpu", tmp_path / "runs", tmp_path / "out", dry_run=True,
                               echo=printed.append) is None
    assert not (tmp_path / "out").exists() and not (tmp_path / "runs").exists()
    assert "# cpu_tub_table3_pretrain_tub_s0: missing, step 0 of 5000" in printed
    assert any(line.startswith("iggan-train --flagfile=flags/cpu_tub_table3_fixed_pretrain_table.flags") for line in printed)
    assert sum(line.startswith("iggan-eval ") for line in printed) == 6


# RESULTS.md from results.json


def synthetic_results() -> dict:
    def run(fid, status="evaluated"):
        scores = None if status != "evaluated" else {"fid": fid, "kid": 0.0123, "hollow_rate": 0.85}
        return {"status": status, "step": 5000 if scores else 0, "train_steps": 5000, "scores": scores,
                "floor_fid": 4.0 if scores else None, "eval_json": "r/eval.json" if scores else None,
                "train_command": f"iggan-train --fid={fid}", "eval_command": "iggan-eval --workdir=w"}

    return {"format": results.FORMAT, "runs": {"a_s0": run(40.0), "a_s1": run(50.0), "b_s0": run(90.0),
                                               "c_s0": run(None, "missing")},
            "tables": {"cpu/1": {"table": 1, "scale": "cpu", "cells": [
                {"row": "IG-GAN (Ours)", "column": "One per model: Tubs", "paper": "67.5", "runs": ["a_s0", "a_s1"]},
                {"row": "Visual Hull", "column": "One per model: Tubs", "paper": "184.6", "runs": ["b_s0"]},
                {"row": "Visual Hull", "column": "One per model: Couches", "paper": "106.2", "runs": ["c_s0"]},
            ]}}}


def test_results_markdown_lays_out_the_table_with_ours_beside_the_papers_and_every_command():
    text = results.markdown(synthetic_results())
    lines = text.splitlines()
    header = lines.index("| | One per model: Tubs | One per model: Couches |")
    assert lines[header + 2] == "| IG-GAN (Ours) | 45.0 ± 7.1 (2 seeds) · 67.5 |  |"
    assert lines[header + 3] == "| Visual Hull | 90.0 · 184.6 | not run · 106.2 |"
    assert "## Table 1: FID of renders of generated shapes, by method and dataset (cpu scale)" in lines
    assert "compare the order of the rows within a column" in text
    for fid in ("40.0", "50.0", "90.0", "None"):
        assert f"`iggan-train --fid={fid}`" in text
    # GitHub renders a table only when its delimiter row has as many cells as its header
    for first, line in enumerate(lines):
        if line.startswith("|") and (first == 0 or not lines[first - 1].startswith("|")):
            assert re.fullmatch(r"\|(---\|)+", lines[first + 1]), lines[first + 1]
            assert lines[first + 1].count("|") == line.count("|"), line
    run_line = next(line for line in lines if line.startswith("| IG-GAN (Ours) / One per model: Tubs | a_s1"))
    assert "| evaluated | 5000/5000 | 50.0 | 0.0123 | – | 0.85 |" in run_line and "| 4.0 |" in run_line


def test_update_results_merges_tables_and_runs_and_writes_results_md(tmp_path):
    synthetic = synthetic_results()
    first = synthetic["tables"]["cpu/1"]
    results.update_results(tmp_path, first, {name: synthetic["runs"][name] for name in ("a_s0", "a_s1")})
    second = {"table": 2, "scale": "cpu", "cells": [
        {"row": "Fixed", "column": "OpenGL", "paper": "113.7 / 323.5 (chairs / couches)", "runs": ["b_s0"]}]}
    merged = results.update_results(tmp_path, second, {"b_s0": synthetic["runs"]["b_s0"]})
    assert sorted(merged["tables"]) == ["cpu/1", "cpu/2"] and sorted(merged["runs"]) == ["a_s0", "a_s1", "b_s0"]
    assert json.loads((tmp_path / results.RESULTS_JSON).read_text()) == merged
    text = (tmp_path / results.RESULTS_MARKDOWN).read_text()
    assert text == results.markdown(merged)
    assert text.index("## Table 1") < text.index("## Table 2") and "90.0 · 113.7 / 323.5 (chairs / couches)" in text
    # on a clone without the runs' workdirs, evaluated runs keep their scores; a rerun workdir replaces them
    missing = synthetic["runs"]["c_s0"]
    merged = results.update_results(tmp_path, first, {"a_s0": missing, "c_s0": missing})
    assert merged["runs"]["a_s0"] == synthetic["runs"]["a_s0"] and merged["runs"]["c_s0"] == missing
    partial = dict(missing, status="partial", step=100)
    assert results.update_results(tmp_path, first, {"a_s0": partial})["runs"]["a_s0"] == partial
    (tmp_path / results.RESULTS_JSON).write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a results file of iggan-reproduce"):
        results.update_results(tmp_path, second, {})
