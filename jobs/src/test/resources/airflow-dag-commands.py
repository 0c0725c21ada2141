"""Prints, as JSON, every Ingot command line the DAGs of a folder would run for a logical date, and the folder's
import errors. Run with the Airflow environment's python: DagBag parses the files with the installed Airflow, and each
task's application_args are rendered with Airflow's own templating (the DAG's Jinja environment, its params'
defaults, the given Variables), without a database or a scheduler.

usage: python airflow-dag-commands.py DAG_FOLDER LOGICAL_DATE VARIABLES_JSON BACKFILL_PARAMS_JSON OUT_FILE
(a file: Airflow logs to stdout)
"""
import json
import sys
from datetime import date

try:  # Airflow 3
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2.10
    from airflow.models.dagbag import DagBag

try:  # Airflow 3
    from airflow.sdk.execution_time import macros
except ImportError:  # Airflow 2.10
    from airflow import macros

import ingot_common

folder, ds, variables, backfill = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
date.fromisoformat(ds)
bag = DagBag(dag_folder=folder, safe_mode=False)  # examples: AIRFLOW__CORE__LOAD_EXAMPLES=False
out = {"import_errors": {f: str(e).strip().splitlines()[-1] for f, e in bag.import_errors.items()}, "tasks": []}
for dag_id in sorted(bag.dag_ids):
    dag = bag.dags[dag_id]  # get_dag would ask the database
    params = {k: dag.params[k] for k in dag.params}
    for task in dag.tasks:
        row = {"dag": dag_id, "task": task.task_id, "retries": task.retries,
               "timeout_seconds": task.execution_timeout.total_seconds() if task.execution_timeout else None}
        if not isinstance(task, ingot_common.IngotCommand) and not getattr(task, "operator_class", None) is ingot_common.IngotCommand:
            row["kind"] = "other"
            out["tasks"].append(row)
            continue
        partial = getattr(task, "partial_kwargs", None)
        row["kind"] = "ingot"
        context = {"ds": ds, "ds_nodash": ds.replace("-", ""), "params": params, "macros": macros,
                   "var": {"value": variables}, "run_id": f"scheduled__{ds}T00:00:00+00:00", "dag": dag, "task": task}
        env = dag.get_template_env()
        if partial is not None:  # mapped: the chunks' lines, as plan_chunks computes them
            row["mapped"] = True
            lines = ingot_common.backfill_commands(backfill["from"], backfill["to"], int(backfill["chunk_days"]),
                                                   variables["ingot_project_dir"])
            for i, line in enumerate(lines):
                out["tasks"].append(dict(row, task=f"{task.task_id}[{i}]", args=line,
                                         on_gate_failure=partial.get("on_gate_failure", "fail")))
            continue
        row.update(conn_id=task._conn_id, application=task.render_template(task.application, context, env),
                   java_class=task._java_class, args=task.render_template(task.application_args, context, env),
                   on_gate_failure=task.on_gate_failure)
        out["tasks"].append(row)
with open(sys.argv[5], "w") as f:
    json.dump(out, f, indent=1)
