"""DAGs that jobs' Airflow tests run: one that succeeds, one whose first task fails, one that sleeps, one left paused."""
from datetime import datetime

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.10
    from airflow import DAG
    from airflow.operators.bash import BashOperator

for dag_id, first_command in [
    ("ingot_test_ok", "echo conf={{ dag_run.conf | tojson }}"),
    ("ingot_test_fail", "echo failing on purpose; exit 3"),
    ("ingot_test_sleep", "sleep 600"),
    ("ingot_test_paused", "echo never unpaused by the tests"),
]:
    with DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False,
             default_args={"retries": 0}) as dag:
        first = BashOperator(task_id="first", bash_command=first_command)
        second = BashOperator(task_id="second", bash_command="echo after first")
        first >> second
    globals()[dag_id] = dag
