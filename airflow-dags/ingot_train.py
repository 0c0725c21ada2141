"""ingot_train: weekly, build the model's training set, train a challenger, promote it through the spec's gate.

A promotion the gate refuses (Ingot exit code 1) ends the promote task skipped, not failed: the champion stays.
See docs/airflow.md.
"""
from datetime import datetime, timedelta

try:  # Airflow 3
    from airflow.sdk import DAG, Param
except ImportError:  # Airflow 2.10
    from airflow.models import DAG, Param

from ingot_common import DEFAULT_ARGS, IngotCommand, project_args

with DAG(
    "ingot_train",
    description="Build the training set, train a challenger, promote it when the gate holds",
    schedule="@weekly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "model": Param("fraud", type="string", description="The model spec (models/<model>.yaml)"),
        "spine": Param("ml.fraud_spine", type="string", description="The spine table of the training set"),
        "features": Param(["customer_spend", "merchant_risk"], type="array",
                          description="Feature views (or view:f1,f2) joined onto the spine"),
        "training_set": Param("ml.fraud_training_set", type="string", description="The training set's table"),
    },
    render_template_as_native_obj=False,
    tags=["ingot"],
) as dag:
    training_set = IngotCommand(
        task_id="training_set",
        # One argument per feature view: the list param is expanded by the operator's own templating.
        command=project_args("training-set", "--spine", "{{ params.spine }}", "--features",
                             "{{ params.features | join(' ') }}", "--out", "{{ params.training_set }}"),
        execution_timeout=timedelta(hours=2),
    )
    train = IngotCommand(
        task_id="train",
        command=project_args("train", "--model", "{{ params.model }}", "--training-set", "{{ params.training_set }}"),
        execution_timeout=timedelta(hours=4),
    )
    promote = IngotCommand(
        task_id="promote",
        command=project_args("models", "promote", "--model", "{{ params.model }}", "--version", "@challenger",
                             "--reason", "ingot_train {{ run_id }}"),
        on_gate_failure="skip",
        execution_timeout=timedelta(minutes=30),
    )
    training_set >> train >> promote
