"""The state of one daily run: ``<home>/runs/<date>/state.json``, which steps are done.

Written atomically (a temporary file renamed over the old one) after each step's outputs are
in place, so a run killed at any moment leaves either the step done with its files, or not
done: a new run resumes at the first step not done, reusing what the done ones wrote.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

__all__ = ["STEPS", "STATE_FILE", "RunState", "runs_dir", "run_dir"]

STEPS: tuple[str, ...] = ("ingest", "validate", "train", "forecast", "replenish", "publish",
                          "monitor")
STATE_FILE = "state.json"


def runs_dir(home: Path) -> Path:
    return home / "runs"


def run_dir(home: Path, run_date: date) -> Path:
    return runs_dir(home) / run_date.isoformat()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class RunState:
    run_date: date
    folder: Path
    data_dir: str = ""
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, run_date: date) -> RunState:
        path = folder / STATE_FILE
        if not path.exists():
            return cls(run_date=run_date, folder=folder)
        raw = json.loads(path.read_text())
        return cls(run_date=run_date, folder=folder, data_dir=raw.get("data_dir", ""),
                   steps=raw.get("steps", {}))

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{STATE_FILE}.tmp"
        tmp.write_text(json.dumps({"date": self.run_date.isoformat(), "data_dir": self.data_dir,
                                   "steps": self.steps}, indent=2, default=str))
        os.replace(tmp, self.folder / STATE_FILE)

    def is_done(self, step: str) -> bool:
        return self.steps.get(step, {}).get("status") == "done"

    def summary(self, step: str) -> dict[str, Any]:
        return dict(self.steps.get(step, {}).get("summary", {}))

    def start(self, step: str) -> None:
        self.steps[step] = {"status": "running", "started_at": _now(),
                            "attempts": self.steps.get(step, {}).get("attempts", 0) + 1}
        self.save()

    def done(self, step: str, summary: dict[str, Any]) -> None:
        self.steps[step] = {**self.steps.get(step, {}), "status": "done",
                            "finished_at": _now(), "summary": summary}
        self.steps[step].pop("error", None)
        self.save()

    def failed(self, step: str, error: str) -> None:
        self.steps[step] = {**self.steps.get(step, {}), "status": "failed",
                            "finished_at": _now(), "error": error}
        self.save()
