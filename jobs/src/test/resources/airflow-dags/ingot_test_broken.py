"""A DAG file that does not import: Airflow lists it under import errors and has no DAG ingot_test_broken."""
from datetime import datetime

import ingot_no_such_module  # noqa: F401

from airflow.sdk import DAG

with DAG("ingot_test_broken", schedule=None, start_date=datetime(2026, 1, 1)) as dag:
    pass
