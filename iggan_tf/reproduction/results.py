"""results.json and RESULTS.md: what every run of the tables scored, beside the paper's numbers.

results.json holds each table's cells (row, column, the paper's number, the names of their runs) and each run's
record (status, step, commands, the scores of its eval.json), merged over invocations, so that RESULTS.md, a pure
function of results.json, shows every table run so far. Each evaluated run's eval.json and eval.md are copied to
`<output_dir>/<run>/`, to be committed with RESULTS.md.
"""

import json
import math
import os
import pathlib
import shutil
import statistics

from iggan_tf.reproduction.runs import EVALUATED, MISSING, RunState, printable

RESULTS_JSON = "results.json"
RESULTS_MARKDOWN = "RESULTS.md"
FORMAT = "iggan_tf.reproduction"
# (key in a run's scores, column title, where it is in eval.json's generated row, digits)
SCORES = (
    ("fid", "FID ↓", ("fid", "value"), 1),
    ("kid", "KID ↓", ("kid", "value"), 4),
    ("in_class_rate", "in-class ↑", ("in_class_rate", "value"), 2),
    ("hollow_rate", "hollow ↑", ("hollow_rate", "value"), 2),
    ("coverage", "COV (IoU) ↑", ("voxel_iou", "coverage"), 2),
    ("minimum_matching_distance", "MMD (IoU) ↓", ("voxel_iou", "minimum_matching_distance"), 3),
    ("one_nearest_neighbour_accuracy", "1-NNA (IoU), 0.5 best", ("voxel_iou", "one_nearest_neighbour_accuracy"), 2),
)
TABLE_TITLES = {
    1: "Table 1: FID of renders of generated shapes, by method and dataset",
    2: "Table 2: ablations without discriminator output matching (DOM)",
    3: "Table 3: the neural renderer's pre-training",
}
_NOT_COMPARABLE = (
    "Paper numbers are the paper's FIDs (64^3 voxels, 128^2 images, ShapeNet, an Inception network retrained on "
    "21 ShapeNet classes). Ours are computed by `iggan-eval` with this repository's feature network, on this "
    "repository's data at the table's scale: compare the order of the rows within a column with the paper's, not "
    "the values. Every run is scored alike: generated shapes binarized at 0.5, rendered once each by the run's "
    "off-the-shelf renderer, the same feature network, N and held-out split (the 2D DCGAN: its own images, image "
    "scores only). A cell of several seeds shows mean ± standard deviation."
)


def run_record(state: RunState, output_dir) -> dict:
    """What results.json keeps of a run; an evaluated run's eval.json and eval.md are copied to
    `<output_dir>/<run>/` and its scores read from there."""
    record = {
        "flagfile": state.run.flagfile, "seed": state.run.seed, "overrides": [list(pair) for pair in state.run.overrides],
        "workdir": str(state.workdir), "status": state.status, "step": state.step, "train_steps": state.train_steps,
        "train_command": printable(state.train_command), "eval_command": printable(state.eval_command),
        "eval_json": None, "scores": None, "floor_fid": None, "method": None,
    }
    if state.status != EVALUATED:
        return record
    copies = pathlib.Path(output_dir) / state.run.name
    copies.mkdir(parents=True, exist_ok=True)
    for name in ("eval.json", "eval.md"):
        if (state.eval_json.parent / name).is_file():
            shutil.copyfile(state.eval_json.parent / name, copies / name)
    evaluation = json.loads((copies / "eval.json").read_text())
    generated = evaluation["rows"]["generated"]["scores"]
    record.update(eval_json=f"{state.run.name}/eval.json", method=evaluation.get("method"), scores={
        key: generated[score][field] for key, _, (score, field), _ in SCORES if score in generated})
    real = evaluation["rows"].get("real")
    record["floor_fid"] = real["scores"]["fid"]["value"] if real else None
    return record


def table_record(table: int, scale: str, cells) -> dict:
    return {"table": table, "scale": scale, "cells": [
        {"row": cell.row, "column": cell.column, "paper": cell.paper, "runs": [run.name for run in cell.runs]}
        for cell in cells]}


def update_results(output_dir, table: dict, runs: dict) -> dict:
    """Merges one table's record and its runs' records into `<output_dir>/results.json` (a run missing here keeps
    an evaluated record from before), rewrites RESULTS.md from it (both atomically) and returns the merged
    results."""
    output_dir = pathlib.Path(output_dir)
    path = output_dir / RESULTS_JSON
    results = json.loads(path.read_text()) if path.is_file() else {"format": FORMAT, "tables": {}, "runs": {}}
    if results.get("format") != FORMAT:
        raise ValueError(f"{path} is not a results file of iggan-reproduce (format {results.get('format')!r})")
    results["tables"][f"{table['scale']}/{table['table']}"] = table
    for name, record in runs.items():
        committed = results["runs"].get(name)
        # A clone without the run's workdir (runs/ is not committed) keeps the scores committed for it.
        if record["status"] == MISSING and committed and committed["status"] == EVALUATED:
            continue
        results["runs"][name] = record
    output_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, json.dumps(results, indent=2, sort_keys=True) + "\n")
    _write_atomically(output_dir / RESULTS_MARKDOWN, markdown(results))
    return results


def markdown(results: dict) -> str:
    """RESULTS.md: each table of results.json in the paper's layout, ours beside the paper's, then each of its
    runs with every score and the commands that made it."""
    lines = ["# The paper's tables, reproduced", "",
             "Written by `iggan-reproduce` from `results.json` (do not edit by hand). " + _NOT_COMPARABLE, ""]
    for key in sorted(results["tables"], key=lambda key: (results["tables"][key]["table"], key)):
        lines += _table_markdown(results["tables"][key], results["runs"])
    return "\n".join(lines)


def _table_markdown(table: dict, runs: dict) -> list:
    cells = table["cells"]
    rows = list(dict.fromkeys(cell["row"] for cell in cells))
    columns = list(dict.fromkeys(cell["column"] for cell in cells))
    by_position = {(cell["row"], cell["column"]): cell for cell in cells}
    lines = [f"## {TABLE_TITLES[table['table']]} ({table['scale']} scale)", "",
             "FID ↓ of each cell: ours · paper's.", "",
             "| | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for row in rows:
        texts = [_cell_text(by_position[row, column], runs) if (row, column) in by_position else ""
                 for column in columns]
        lines.append(f"| {row} | " + " | ".join(texts) + " |")
    lines += ["", "Runs (scores of the generated shapes; FID floor: the dataset's own training shapes scored alike):",
              "", "| cell | run | status | step | " + " | ".join(title for _, title, _, _ in SCORES)
              + " | FID floor | commands |", "|" + "---|" * (6 + len(SCORES))]
    for cell in cells:
        for name in cell["runs"]:
            lines.append(_run_line(f"{cell['row']} / {cell['column']}", name, runs.get(name)))
    return lines + [""]


def _cell_text(cell: dict, runs: dict) -> str:
    fids = [runs[name]["scores"]["fid"] for name in cell["runs"]
            if runs.get(name) and runs[name]["scores"] and "fid" in runs[name]["scores"]]
    if not fids:
        ours = "not run"
    elif len(fids) == 1:
        ours = f"{fids[0]:.1f}"
    else:
        ours = f"{statistics.mean(fids):.1f} ± {statistics.stdev(fids):.1f} ({len(fids)} seeds)"
    if fids and len(fids) < len(cell["runs"]):
        ours += f", {len(fids)} of {len(cell['runs'])} runs"
    paper = f" · {cell['paper']}" if cell["paper"] else ""
    return ours + paper


def _run_line(cell: str, name: str, record: dict | None) -> str:
    if record is None:
        return f"| {cell} | {name} | unknown |" + " |" * (len(SCORES) + 3)
    scores = record["scores"] or {}
    values = [_number(scores.get(key), digits) for key, _, _, digits in SCORES]
    commands = f"`{record['train_command']}`<br>`{record['eval_command']}`"
    evaluation = f" ([eval]({record['eval_json']}))" if record["eval_json"] else ""
    return (f"| {cell} | {name}{evaluation} | {record['status']} | {record['step']}/{record['train_steps']} | "
            + " | ".join(values) + f" | {_number(record['floor_fid'], 1)} | {commands} |")


def _number(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"


def _write_atomically(path: pathlib.Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
