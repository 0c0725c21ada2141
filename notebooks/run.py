"""Executes Ingot's notebooks headless with papermill, one after the other; exit 1 at the first cell that fails.

    python/venv.sh notebooks                                   # the environment (prints its path)
    $VENV/bin/python notebooks/run.py                          # all, in place, on examples/retail (after bin/ingot demo)
    $VENV/bin/python notebooks/run.py --project P --warehouse W --out DIR 01_features.ipynb

In place (no --out), the notebooks are rewritten with their outputs and plots, without what differs from one machine
or run to the next and says nothing (papermill's and Jupyter's timings, paths and environment): that is how they are
committed. With --out, executed copies go to DIR and the notebooks are left alone (what CI does).

--project and --warehouse become the notebooks' parameters (papermill's `parameters` cell); when neither is given none
are injected, and each notebook's defaults apply (examples/retail and its warehouse, ./warehouse after `bin/ingot demo`).
Prints one line per notebook: cells, plots, seconds.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
import papermill

HERE = Path(__file__).resolve().parent


# A line of Spark's log (the distribution's log4j2 pattern): the JVM's stderr, which the kernel forwards.
LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d (TRACE|DEBUG|INFO|WARN) \S+: .*$")


def clean(nb: nbformat.NotebookNode) -> None:
    """Drops what changes with every run and machine and says nothing about the data: timings, papermill's paths and
    parameters, Spark's log lines (the terminal running the kernel has them)."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("collapsed", None)
        kept = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                o["text"] = "".join(l for l in o["text"].splitlines(keepends=True) if not LOG_LINE.match(l.rstrip("\n")))
                if not o["text"]:
                    continue
            kept.append(o)
        cell["outputs"] = kept


def plots(nb: nbformat.NotebookNode) -> int:
    """How many images the notebook's outputs hold."""
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "image/png" in o.get("data", {}))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--project", help="the project directory (parameter project_dir)")
    ap.add_argument("--warehouse", help="another warehouse than ingot.yaml's (parameter warehouse)")
    ap.add_argument("--out", type=Path, help="write the executed notebooks here instead of in place")
    ap.add_argument("--timeout", type=int, default=900, help="seconds a cell may take (default 900)")
    ap.add_argument("notebooks", nargs="*", help="notebook file names (default: every NN_*.ipynb here)")
    args = ap.parse_args(argv)

    names = args.notebooks or sorted(p.name for p in HERE.glob("[0-9][0-9]_*.ipynb"))
    params = {}
    if args.project:
        params["project_dir"] = str(Path(args.project).resolve())
    if args.warehouse:
        params["warehouse"] = str(Path(args.warehouse).resolve())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    total = time.monotonic()
    for name in names:
        src = HERE / name
        dest = (args.out / name) if args.out else src
        started = time.monotonic()
        try:
            nb = papermill.execute_notebook(str(src), str(dest), parameters=params, cwd=str(HERE), kernel_name="python3",
                                            progress_bar=False, log_output=False, execution_timeout=args.timeout)
        except papermill.PapermillExecutionError as e:
            print(f"{name}: FAILED in cell {e.exec_count}: {e.ename}: {e.evalue}\n{''.join(e.traceback)}"
                  f"\n(the executed notebook, with the error: {dest})", file=sys.stderr)
            return 1
        seconds = time.monotonic() - started
        clean(nb)
        nbformat.write(nb, str(dest))
        print(f"{name}: {len(nb.cells)} cells, {plots(nb)} plots, {seconds:.1f} s", flush=True)
    print(f"all {len(names)} notebooks: {time.monotonic() - total:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
