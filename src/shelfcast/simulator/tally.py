"""What the replay has done so far: the progress line and the summary come from here."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from shelfcast.errors import ShelfcastError

__all__ = ["Tally"]


@dataclass
class Tally:
    total: int
    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    retries: int = 0
    rejected_by_code: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    stopped_by: ShelfcastError | None = None
    """Why the replay stopped before the end (a refusal, a server gone for too long)."""

    MAX_EXAMPLES = 5

    def add_answer(self, batch: list[dict], answer: dict) -> None:
        """Count one batch the server answered (200)."""
        self.sent += len(batch)
        self.accepted += int(answer.get("accepted", 0))
        self.duplicate += int(answer.get("duplicate", 0))
        for rejection in answer.get("rejected", []):
            self.rejected += 1
            self.rejected_by_code[rejection.get("error", "?")] += 1
            if len(self.examples) < self.MAX_EXAMPLES:
                index = rejection.get("index", -1)
                line_id = batch[index].get("transaction_id") if 0 <= index < len(batch) else "?"
                self.examples.append(f"{line_id}: {rejection.get('message', '')}")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def ok(self) -> bool:
        """Every line was sent and accepted or already there."""
        done = self.stopped_by is None and self.sent == self.total
        return done and self.accepted + self.duplicate == self.total

    def progress_line(self) -> str:
        rate = self.sent / self.elapsed if self.elapsed > 0 else 0.0
        return (f"sent {self.sent:,}/{self.total:,}  accepted {self.accepted:,}  "
                f"duplicate {self.duplicate:,}  rejected {self.rejected:,}  "
                f"retries {self.retries:,}  {rate:,.0f} lines/s")

    def summary(self) -> list[str]:
        out = [self.progress_line() + f"  in {self.elapsed:,.1f} s"]
        if self.rejected_by_code:
            out.append("rejected: " + ", ".join(
                f"{n:,} {code}" for code, n in self.rejected_by_code.most_common()))
            out += [f"  e.g. {e}" for e in self.examples]
        if self.sent < self.total:
            out.append(f"not sent: {self.total - self.sent:,} line(s)")
        return out
