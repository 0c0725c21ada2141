"""A PySpark session on an Ingot project's warehouse, configured by Ingot itself.

    from ingot_notebook import session
    spark = session("../examples/retail")
    spark.table("features.customer_spend_v1")

Nothing is configured twice: the settings (Delta's extension and catalog, the Hive catalog and its metastore, the
warehouse, ingot.yaml's spark.conf) are the ones Ingot's own jobs use, printed by `bin/ingot spark-conf --project DIR
--format json`. The session runs on the Spark distribution Ingot's build lays out (jobs/target/ingot-dist: the same
Spark 3.5.4 jars and logging settings as `bin/ingot`), with Ingot's app jar on the driver's class path for Delta, so
nothing is downloaded when a notebook runs. The Python side is PySpark 3.5.4 and delta-spark 3.3.2 from
python/requirements-notebooks.txt.

Secrets: ingot.yaml's `${env:NAME}` values come back from `spark-conf` as `${env:NAME}` and are filled here from this
process's environment, so a password is never printed and must be exported before the kernel starts.

The embedded (Derby) metastore serves one process at a time: the session takes the same lock file Ingot's jobs take
(`<warehouse>/metastore_db.lock`), so a job started while a notebook holds the catalog waits for it (and says so), and
a notebook waits for a running job. `close()` stops the session and lets go of the catalog; so does the kernel's end.
With a shared metastore (`catalog: metastore: jdbc` in ingot.yaml) there is no lock to take.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parent.parent
"""The repository this module sits in: `bin/ingot` is asked for the settings unless INGOT_BIN names another."""

_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
_CATALOG_WAIT = "spark.ingot.catalog.waitSeconds"
_CATALOG_WAIT_DEFAULT = 1800  # as Ingot's jobs wait (IngotSessions.CATALOG_WAIT_DEFAULT)

_lock_file = None  # held for the life of the process (or until close()): POSIX locks end with the process


class IngotNotebookError(RuntimeError):
    """What went wrong and how to fix it, for a notebook's reader (no stack trace needed)."""


def spark_conf(project_dir: str | os.PathLike, warehouse: Optional[str | os.PathLike] = None) -> dict[str, Any]:
    """What `bin/ingot spark-conf --project DIR --format json` prints: `conf`, `warehouse`, `spark_home`,
    `catalog_lock`, `metastore`, ... with secrets still written as `${env:NAME}`."""
    ingot = os.environ.get("INGOT_BIN", str(REPO / "bin" / "ingot"))
    cmd = [ingot, "spark-conf", "--project", str(project_dir), "--format", "json"]
    if warehouse:
        cmd += ["--warehouse", str(warehouse)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError as e:
        raise IngotNotebookError(f"cannot run {ingot}: {e}. Fix: run from a clone of the Ingot repository, or point "
                                 f"INGOT_BIN at its bin/ingot") from None
    if done.returncode != 0:
        raise IngotNotebookError(f"'{' '.join(cmd)}' failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return json.loads(done.stdout)


def fill_env(value: str, env: Optional[dict[str, str]] = None) -> str:
    """`value` with every `${env:NAME}` replaced by the variable's value, as Ingot reads ingot.yaml."""
    env = os.environ if env is None else env

    def one(m: re.Match) -> str:
        name = m.group(1)
        if name not in env:
            raise IngotNotebookError(f"environment variable {name} (ingot.yaml's ${{env:{name}}}) is not set. Fix: export "
                                     f"{name} before starting Jupyter (or the kernel), as for Ingot's own commands")
        return env[name]

    return _ENV_REF.sub(one, value)


def _take_catalog_lock(path: str, holder: str, wait_seconds: float) -> None:
    """Takes the embedded metastore's lock as Ingot's CatalogLock does (an fcntl lock on the whole file, the holder's
    pid and name written into it), waiting up to `wait_seconds` while a job holds it."""
    global _lock_file
    if _lock_file is not None and not _lock_file.closed:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    f = open(path, "a+")
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            f.seek(0)
            other = f.read().strip() or "another process"
            if not told:
                print(f"Waiting for the embedded catalog ({path}), held by {other} (giving up after {wait_seconds:.0f} s; "
                      f"{_CATALOG_WAIT} sets how long) ...", file=sys.stderr, flush=True)
                told = True
            if time.monotonic() >= deadline:
                f.close()
                raise IngotNotebookError(f"the embedded catalog is still held by {other} after {wait_seconds:.0f} s. Fix: "
                                         f"wait for that job to end, or share the catalog between processes with "
                                         f"'catalog: metastore: jdbc' in ingot.yaml") from None
            time.sleep(0.2)
    since = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()} ({holder}) since {since}")
    f.flush()
    _lock_file = f


def session(project_dir: str | os.PathLike, warehouse: Optional[str | os.PathLike] = None,
            app_name: str = "ingot notebook", master: Optional[str] = None, conf: Optional[dict[str, str]] = None):
    """A SparkSession on the project's warehouse and catalog, as Ingot's jobs see them.

    project_dir: the project (its ingot.yaml); warehouse: another warehouse than ingot.yaml's (as `--warehouse`);
    master: another master than Ingot's (`local[*]`); conf: more Spark settings, over Ingot's.
    """
    settings = spark_conf(project_dir, warehouse)
    merged = {k: fill_env(v) for k, v in settings["conf"].items()}
    if master:
        merged["spark.master"] = master
    merged.update(conf or {})
    if settings.get("catalog_lock"):
        _take_catalog_lock(settings["catalog_lock"], app_name,
                           float(merged.get(_CATALOG_WAIT, _CATALOG_WAIT_DEFAULT)))
    if settings.get("spark_home"):
        # PySpark starts its JVM with $SPARK_HOME/bin/spark-submit: Ingot's distribution, the Spark its jobs run on.
        os.environ["SPARK_HOME"] = settings["spark_home"]
        os.environ.setdefault("SPARK_SCALA_VERSION", "2.12")
    elif not any(".jar" in merged.get(k, "") for k in ("spark.jars", "spark.driver.extraClassPath")):
        raise IngotNotebookError("Ingot's app jar (with Delta) was not found: build the distribution once with "
                                 "'mvn -q -DskipTests package' (bin/ingot does it on first use)")

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    for k, v in merged.items():
        builder = builder.config(k, v)
    if merged.get("spark.sql.catalogImplementation") == "hive":
        builder = builder.enableHiveSupport()
    return builder.getOrCreate()


def close(spark) -> None:
    """Stops the session and its JVM and lets go of the embedded catalog, so that Ingot's jobs can run while the kernel
    lives on; `session()` starts a new one."""
    global _lock_file
    from pyspark import SparkContext

    spark.stop()
    # Derby stays booted in the JVM after stop(): only the JVM's end frees the metastore for another process. PySpark's
    # gateway JVM exits when its stdin closes.
    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        proc = getattr(gateway, "proc", None)
        if proc is not None:
            proc.stdin.close()
            proc.wait(timeout=60)
        SparkContext._gateway = None
        SparkContext._jvm = None
    if _lock_file is not None and not _lock_file.closed:
        _lock_file.close()  # closing the file ends its fcntl lock
    _lock_file = None
