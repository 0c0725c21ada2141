"""Wiring shared by Ingot's DAGs: the operator that runs one Ingot command through spark-submit, and what it needs.

Not a DAG file (listed in .airflowignore). Everything a deployment changes lives in Airflow, not here:

- Variable ``ingot_project_dir``: the Ingot project folder (ingot.yaml), as the Spark driver sees it;
- Variable ``ingot_app_jar``: the Ingot app jar (``<ingot-dist>/app/ingot-jobs.jar``);
- Connection ``ingot_spark`` (conn_type ``spark``): master (host, e.g. ``local[2]`` or ``yarn``), deploy mode,
  spark-home. Without it the provider would silently submit to YARN, so every task names it explicitly.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

try:  # Airflow 3
    from airflow.sdk import DAG, Param, Variable, task
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
except ImportError:  # Airflow 2.10
    from airflow.decorators import task
    from airflow.exceptions import AirflowFailException, AirflowSkipException
    from airflow.models import DAG, Param, Variable

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

#: The Spark connection every task submits through.
SPARK_CONN_ID = "ingot_spark"
#: Ingot's entry point in the app jar.
MAIN_CLASS = "dev.ingot.jobs.IngotMain"
#: The project folder, rendered when the task runs.
PROJECT = "{{ var.value.ingot_project_dir }}"
#: Ingot's exit codes (docs/operations.md): 1 a gate said no, 2 bad input. 3 (a failure) is retried.
GATE_FAILED, BAD_INPUT = 1, 2
#: Retries for exit code 3 and other failures (a lost executor, a busy catalog): never for 1 and 2.
DEFAULT_ARGS = {"retries": 2, "retry_delay": timedelta(minutes=5), "owner": "ingot"}
#: What every Ingot DAG shares (DAG(..., **DAG_SETTINGS)).
DAG_SETTINGS = {"start_date": datetime(2026, 1, 1), "catchup": False, "default_args": DEFAULT_ARGS, "tags": ["ingot"]}
__all__ = ["DAG", "DAG_SETTINGS", "IngotCommand", "Param", "Variable", "backfill_commands", "chunks", "project_args",
           "task"]


class IngotCommand(SparkSubmitOperator):
    """One Ingot command (``application_args``) run by spark-submit with the app jar and IngotMain.

    ``on_gate_failure`` says what Ingot's exit code 1 means for this task: ``"fail"`` (the task fails at once, without
    retries, and the tasks after it end ``upstream_failed``) or ``"skip"`` (the task ends ``skipped``: a refused
    promotion is not a broken DAG). Exit code 2 (bad input) always fails without retries: retrying cannot fix it.
    """

    def __init__(self, *, command: list[str] | None = None, on_gate_failure: str = "fail", **kwargs):
        if on_gate_failure not in ("fail", "skip"):
            raise ValueError(f"on_gate_failure must be 'fail' or 'skip', not {on_gate_failure!r}")
        kwargs.setdefault("conn_id", SPARK_CONN_ID)
        kwargs.setdefault("name", "ingot-" + kwargs["task_id"])
        kwargs.setdefault("conf", {"spark.ui.showConsoleProgress": "false"})
        kwargs.setdefault("application_args", command)  # expand(application_args=...) maps it instead
        super().__init__(application="{{ var.value.ingot_app_jar }}", java_class=MAIN_CLASS, **kwargs)
        self.on_gate_failure = on_gate_failure

    def execute(self, context):
        try:
            return super().execute(context)
        except Exception as e:  # the hook raises AirflowException on any non-zero exit
            code = self._exit_code()
            if code == GATE_FAILED and self.on_gate_failure == "skip":
                raise AirflowSkipException(f"Ingot said no (exit code 1): {e}") from e
            if code in (GATE_FAILED, BAD_INPUT):
                what = "a quality gate failed" if code == GATE_FAILED else "bad input"
                raise AirflowFailException(f"Ingot exit code {code} ({what}), not retried: {e}") from e
            raise

    def _exit_code(self):
        """spark-submit's exit code (client mode and local masters: the driver's, i.e. Ingot's), or None."""
        process = getattr(self._hook, "_submit_sp", None) if self._hook is not None else None
        return None if process is None else process.returncode


def project_args(*command: str) -> list[str]:
    """An Ingot command line for the project of the Variable ``ingot_project_dir``."""
    return [*command, "--project", PROJECT]


def backfill_commands(start: str, end: str, days: int, project: str) -> list[list[str]]:
    """ingot_backfill's command lines: one features materialize per chunk of [start, end)."""
    return [["features", "materialize", "--from", a, "--to", b, "--project", project] for a, b in chunks(start, end, days)]


def chunks(start: str, end: str, days: int) -> list[list[str]]:
    """[start, end) as consecutive [from, to) date pairs of at most ``days`` days (ISO dates)."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if days < 1 or last <= first:
        raise ValueError(f"need from < to and chunk_days >= 1, got from={start} to={end} chunk_days={days}")
    out = []
    while first < last:
        nxt = min(first + timedelta(days=days), last)
        out.append([first.isoformat(), nxt.isoformat()])
        first = nxt
    return out
