"""ingot_train: weekly, build the model's training set, train a challenger, promote it through the spec's gate.

A promotion the gate refuses (Ingot exit code 1) ends the promote task skipped, not failed: the champion stays.
See docs/airflow.md.
"""
from datetime import timedelta

from ingot_common import DAG, DAG_SETTINGS, IngotCommand, Param, project_args

with DAG(
    "ingot_train",
    schedule="@weekly",
    description="Build the training set, train a challenger, promote it when the gate holds",
    params={
        "model": Param("fraud", type="string", description="The model spec (models/<model>.yaml)"),
        "spine": Param("ml.fraud_spine", type="string", description="The spine table of the training set"),
        "features": Param(["customer_spend", "merchant_risk"], type="array",
                          description="Feature views (or view:f1,f2) joined onto the spine"),
        "training_set": Param("ml.fraud_training_set", type="string", description="The training set's table"),
    },
    max_active_runs=1,
    **DAG_SETTINGS,
) as dag:
    training_set = IngotCommand(
        task_id="training_set",
        # One argument holding every view, space-separated (training-set splits it): a templated list param cannot
        # add arguments to application_args.
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
