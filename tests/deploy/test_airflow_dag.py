"""The Airflow DAG, loaded by Airflow's own DagBag and run once with `airflow dags test`, in
the separate environment `make airflow-env` builds (Airflow is not a dependency of shelfcast)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "deploy" / "airflow"
AIRFLOW_BIN = DAGS / ".venv" / "bin"
SHELFCAST = Path(sys.executable).parent / "shelfcast"
STEPS = ["ingest", "validate", "train", "forecast", "replenish", "publish", "monitor"]


@pytest.fixture(scope="module")
def airflow_bin() -> Path:
    assert (AIRFLOW_BIN / "airflow").exists(), (
        f"no Airflow environment at {AIRFLOW_BIN.parent}: `make airflow-env` builds it "
        "(`make test` does so first)")
    return AIRFLOW_BIN


def _airflow_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "DJANGO", "DATABASE_URL", "PYTHONPATH"))}
    return {**keep, "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
            "SHELFCAST_BIN": str(SHELFCAST), **extra}


DESCRIBE = """
import json
from airflow.models import DagBag
bag = DagBag(dag_folder=DAGS, include_examples=False)
dag = bag.dags["shelfcast_daily"]
print(json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "tasks": [t.task_id for t in dag.topological_sort()],
    "upstream": {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks},
    "retries": {t.task_id: t.retries for t in dag.tasks},
    "schedule": str(dag.schedule_interval),
    "command": dag.get_task("train").bash_command,
}))
"""


def test_the_dag_loads_in_airflow_with_one_task_per_step(airflow_bin: Path, tmp_path: Path) -> None:
    out = subprocess.run([str(airflow_bin / "python"), "-c", f"DAGS = {str(DAGS)!r}\n" + DESCRIBE],
                         env=_airflow_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    dag = json.loads(out.stdout.strip().splitlines()[-1])
    assert dag["errors"] == {}
    assert dag["tasks"] == STEPS
    assert dag["upstream"]["publish"] == ["replenish"] and dag["upstream"]["ingest"] == []
    assert set(dag["retries"].values()) == {2}
    assert dag["schedule"] == "@daily"
    assert dag["command"] == (f"{SHELFCAST} run-daily --date {{{{ data_interval_end | ds }}}} "
                              "--step train")


def test_dags_test_runs_the_daily_batch_into_a_workspace(airflow_bin: Path, tmp_path: Path, chain_dir: Path, chain_tables) -> None:  # type: ignore[no-untyped-def]
    day = chain_tables["sales"]["date"].max() - timedelta(days=7)
    home = tmp_path / "var"
    env = _airflow_env(tmp_path, SHELFCAST_HOME=str(home), SHELFCAST_DATA_DIR=str(chain_dir))
    migrate = subprocess.run([str(airflow_bin / "airflow"), "db", "migrate"], env=env,
                             capture_output=True, text=True, timeout=600)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    logical = str(day)  # a manual run's data interval ends at its logical date
    run = subprocess.run([str(airflow_bin / "airflow"), "dags", "test", "shelfcast_daily", logical],
                         env=env, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    folder = home / "runs" / str(day)
    steps = json.loads((folder / "state.json").read_text())["steps"]
    assert [s for s in STEPS if steps.get(s, {}).get("status") == "done"] == STEPS
    assert (folder / "forecast.parquet").exists()
    with sqlite3.connect(home / "shelfcast.sqlite3") as db:
        published = db.execute("select count(*), min(date) from forecasts_publishedforecast").fetchone()
        live = db.execute("select version from forecasts_modelversion where is_live").fetchone()
    assert published[0] > 0 and published[1] == str(day)
    assert live[0] == steps["train"]["summary"]["model_version"]
