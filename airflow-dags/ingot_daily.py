"""ingot_daily: for the run's logical date, materialize the feature views, validate the table to score, score it.

A quality gate that fails (Ingot exit code 1, in materialize's gate or in validate) fails its task without retries
and the tasks after it end upstream_failed: nothing is scored from data that did not pass. See docs/airflow.md.
"""
from datetime import timedelta

from ingot_common import DAG, DAG_SETTINGS, IngotCommand, Param, project_args

with DAG(
    "ingot_daily",
    description="Materialize Ingot's feature views for the day, validate, score with the champion",
    schedule="@daily",
    max_active_runs=1,
    params={
        "model": Param("fraud", type="string", description="The registered model whose champion scores"),
        "input": Param("raw.transactions", type="string", description="The table validated, then scored"),
        "out": Param("fraud", type="string", description="Scores go to scores.<out>"),
    },
    **DAG_SETTINGS,
) as dag:
    materialize = IngotCommand(
        task_id="materialize",
        command=project_args("features", "materialize", "--from", "{{ ds }}", "--to", "{{ macros.ds_add(ds, 1) }}"),
        execution_timeout=timedelta(hours=2),
    )
    validate = IngotCommand(
        task_id="validate",
        command=project_args("validate", "--table", "{{ params.input }}"),
        execution_timeout=timedelta(hours=1),
    )
    score = IngotCommand(
        task_id="score",
        command=project_args("score", "--model", "{{ params.model }}@champion", "--input", "{{ params.input }}",
                             "--out", "{{ params.out }}", "--date", "{{ ds }}"),
        execution_timeout=timedelta(hours=2),
    )
    materialize >> validate >> score
