"""The daily batch run as an Airflow DAG: one task per step of `shelfcast run-daily`.

No logic of its own: every task runs `shelfcast run-daily --date D --step NAME`, which keeps
the run's state in SHELFCAST_HOME/runs/<D>/ (a retried task resumes, a done step is skipped,
the publication happens once). The business date D is the end of the DAG run's data interval
(the run for 2026-03-01 -> 2026-03-02 forecasts from 2026-03-02, with sales to 2026-03-01).

Environment read by the tasks (set it on the workers):
  SHELFCAST_BIN       the shelfcast command (default: `shelfcast` on PATH)
  SHELFCAST_HOME      the workspace; SHELFCAST_DATA_DIR the dataset folder;
  DATABASE_URL        the server's database (default: SQLite in SHELFCAST_HOME)
"""

from __future__ import annotations

import os
import shlex
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

STEPS = ("ingest", "validate", "train", "forecast", "replenish", "publish", "monitor")
SHELFCAST = os.environ.get("SHELFCAST_BIN", "shelfcast")

with DAG(
    dag_id="shelfcast_daily",
    description="shelfcast daily batch: ingest, validate, train, forecast, replenish, publish, monitor",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5),
                  "execution_timeout": timedelta(hours=2)},
    tags=["shelfcast"],
) as dag:
    previous = None
    for step in STEPS:
        task = BashOperator(
            task_id=step,
            bash_command=(f"{shlex.quote(SHELFCAST)} run-daily "
                          "--date {{ data_interval_end | ds }} " f"--step {step}"),
            append_env=True,
        )
        if previous is not None:
            previous >> task
        previous = task
