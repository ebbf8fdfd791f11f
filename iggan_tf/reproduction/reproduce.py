"""One table, brought up to date: every run of its cells is trained (or resumed) when missing or partial,
evaluated when trained, and results.json and RESULTS.md are rewritten with what is there, also when a run fails.
The library behind `iggan-reproduce`."""

import pathlib

from iggan_tf.reproduction import results
from iggan_tf.reproduction.cells import table_cells
from iggan_tf.reproduction.runs import EVALUATED, MISSING, PARTIAL, TRAINED, execute, printable, run_state


def reproduce(table: int, scale: str, runs_dir, output_dir, seeds: tuple | None = None,
              manual_dir: str | None = None, train: bool = True, evaluate: bool = True, dry_run: bool = False,
              echo=print) -> dict | None:
    """Brings `table` at `scale` up to date in `runs_dir` (one workdir per run, relative to the repository root or
    absolute) and writes `output_dir`/results.json and RESULTS.md; returns the merged results (None for a dry run,
    which only prints each run's state and the commands it would run).

    Runs shared by cells (or tables) are run once. A run that trains elsewhere must not be trained here at the same
    time: use train=False to evaluate and collect only.
    """
    cells = table_cells(table, scale, seeds, manual_dir)
    runs = list({run.name: run for cell in cells for run in cell.runs}.values())
    states = {run.name: run_state(run, runs_dir) for run in runs}
    if dry_run:
        for state in states.values():
            echo(f"# {state.run.name}: {state.status}, step {state.step} of {state.train_steps}")
            for command in _pending_commands(state, train, evaluate):
                echo(printable(command))
        return None
    try:
        for name, state in states.items():
            log = state.location.with_name(f"{name}.log")
            if train and state.status in (MISSING, PARTIAL):
                echo(f"training {name} ({state.status}, step {state.step} of {state.train_steps}); log: {log}")
                execute(state.train_command, log)
                state = states[name] = run_state(state.run, runs_dir)
            if evaluate and state.status == TRAINED:
                echo(f"evaluating {name}; log: {log}")
                execute(state.eval_command, log)
                states[name] = run_state(state.run, runs_dir)
    finally:
        merged = results.update_results(output_dir, results.table_record(table, scale, cells),
                                        {name: results.run_record(state, output_dir) for name, state in states.items()})
        echo(f"wrote {pathlib.Path(output_dir) / results.RESULTS_MARKDOWN}")
    return merged


def _pending_commands(state, train: bool, evaluate: bool) -> list:
    commands = []
    if train and state.status in (MISSING, PARTIAL):
        commands.append(state.train_command)
    if evaluate and state.status != EVALUATED:
        commands.append(state.eval_command)
    return commands
