"""ingot_backfill: manual; materialize the feature views over [from, to) in chunks of chunk_days, one task per chunk.

Safe to re-run: materialize replaces exactly its range, so a chunk run twice (a retry, a second backfill over the same
days) writes the same rows once. Chunks run one at a time (max_active_tis_per_dagrun=1): they share the catalog and
the feature tables. See docs/airflow.md.
"""
from datetime import timedelta

from ingot_common import DAG, DAG_SETTINGS, IngotCommand, Param, Variable, backfill_commands, task

with DAG(
    "ingot_backfill",
    description="Materialize Ingot's feature views over a date range, one task per chunk",
    schedule=None,
    params={
        "from": Param("2026-01-01", type="string", format="date", description="First day (a UTC date)"),
        "to": Param("2026-01-08", type="string", format="date", description="Day after the last (exclusive)"),
        "chunk_days": Param(7, type="integer", minimum=1, description="Days per task"),
    },
    **DAG_SETTINGS,
) as dag:

    @task
    def plan_chunks(params=None):
        """The chunks' command lines (values mapped from XCom are not templated: the Variable is read here)."""
        return backfill_commands(params["from"], params["to"], int(params["chunk_days"]),
                                 Variable.get("ingot_project_dir"))

    IngotCommand.partial(
        task_id="materialize",
        execution_timeout=timedelta(hours=4),
        max_active_tis_per_dagrun=1,
    ).expand(application_args=plan_chunks())
