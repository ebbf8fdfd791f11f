"""The Markdown table of an evaluation record (eval.json): one column per row of candidates (generated, real
floor, untrained), one line per score, each value with the sample counts it was computed from."""

from iggan_tf.render.backends import shadows_words

# (score key, field, label): the order of the table's lines. Arrows say which way is better.
SCORE_LINES = (
    ("fid", "value", "FID ↓"),
    ("kid", "value", "KID ↓"),
    ("in_class_rate", "value", "in-class rate ↑"),
    ("voxel_iou", "coverage", "COV (voxel IoU) ↑"),
    ("voxel_iou", "minimum_matching_distance", "MMD (1 - voxel IoU) ↓"),
    ("voxel_iou", "one_nearest_neighbour_accuracy", "1-NNA (voxel IoU), 0.5 best"),
    ("chamfer", "coverage", "COV (Chamfer) ↑"),
    ("chamfer", "minimum_matching_distance", "MMD (Chamfer) ↓"),
    ("chamfer", "one_nearest_neighbour_accuracy", "1-NNA (Chamfer), 0.5 best"),
    ("hollow_rate", "value", "hollow rate ↑"),
)
_COLUMN_TITLES = {"generated": "generated", "real": "real (floor)", "untrained": "untrained"}


def _cell(score: dict, field: str) -> str:
    value = score[field]
    text = f"{value:.4g}"
    if score["metric"] == "kid":
        text += f" ± {score['std']:.2g}"
    if "n_generated" in score and "n_real" in score:
        return f"{text} (N={score['n_generated']} vs {score['n_real']})"
    count = score.get("n_generated", score.get("n_shapes"))
    return f"{text} (N={count})"


def score_table(record: dict) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(column titles, [(score label, cells)]) of an evaluation record: one column per row of candidates, one
    line per score any row has ("–" where a row lacks it). The Markdown file and the HTML report show this."""
    rows = record["rows"]
    lines = []
    for key, field, label in SCORE_LINES:
        if any(key in row["scores"] for row in rows.values()):
            lines.append((label, [_cell(row["scores"][key], field) if key in row["scores"] else "–"
                                  for row in rows.values()]))
    return [_COLUMN_TITLES.get(row, row) for row in rows], lines


def markdown_report(record: dict) -> str:
    """The Markdown text: a header naming dataset, model and feature network, the table, then the notes."""
    columns, table = score_table(record)
    lines = [
        f"# Evaluation of {record['model']}",
        "",
        f"- dataset: `{record['dataset']}` (class {record['class_name']}), held-out test split: "
        f"{record['held_out']['images']} renders of {record['held_out']['shapes']} shapes",
        f"- feature network SHA-256: `{record['feature_network_sha256']}`",
        f"- generated shapes binarized at {record['binarization_threshold']}; views: azimuth "
        f"{record['view_range']['azimuth']}, elevation {record['view_range']['elevation']}; rendered by "
        f"{record['renderer']['name']} {shadows_words(record['renderer']['shadows'])}",
        "- (N=a vs b): a candidate shapes or renders of the row against b held-out ones",
        "",
        "| score | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in table]
    lines += ["", *(f"- {note}" for note in record["notes"]), ""]
    return "\n".join(lines)
