"""The intraday profile's cache (``server/live/profiles.py``): learned once per day, relearned
in the background past ``MAX_AGE`` while the profile held is still answered, and forgotten
on demand even while a relearn is under way. ``_learn`` (a database read) is replaced by a
counter here; what it learns is tested with the live state (test_live_state.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest

from shelfcast.server.live import profiles

DAY = date(2024, 3, 5)


@dataclass
class Learner:
    """Every ``_learn`` call (day, what it returned: a new object each time); the clock;
    ``release``, which a call waits for."""
    calls: list[tuple[date, object]] = field(default_factory=list)
    now: float = 1000.0
    release: threading.Event = field(default_factory=threading.Event)

    def learn(self, today: date) -> object:
        self.release.wait(timeout=30)
        made = object()
        self.calls.append((today, made))
        return made


@pytest.fixture
def learned(monkeypatch: pytest.MonkeyPatch) -> Iterator[Learner]:
    learner = Learner()
    learner.release.set()
    monkeypatch.setattr(profiles, "_learn", learner.learn)
    monkeypatch.setattr(profiles.time, "monotonic", lambda: learner.now)
    profiles.profile_forget()
    yield learner
    learner.release.set()
    _join_relearns()
    profiles.profile_forget()


def _join_relearns() -> None:
    for thread in threading.enumerate():
        if thread.name == "intraday-profile":
            thread.join(timeout=30)


def test_a_day_is_learned_once_then_answered_from_the_cache(learned: Learner) -> None:
    first = profiles.profile_for(DAY)
    assert profiles.profile_for(DAY) is first
    assert [day for day, _ in learned.calls] == [DAY]


def test_past_max_age_the_held_profile_answers_while_a_thread_relearns(learned: Learner) -> None:
    first = profiles.profile_for(DAY)
    learned.now += profiles.MAX_AGE + 1
    learned.release.clear()  # the relearn waits
    assert profiles.profile_for(DAY) is first  # at once, not after the relearn
    assert profiles.profile_for(DAY) is first  # and a second caller starts no second one
    assert [t.name for t in threading.enumerate()].count("intraday-profile") == 1
    learned.release.set()
    _join_relearns()
    renewed = profiles.profile_for(DAY)
    assert renewed is not first and renewed is learned.calls[-1][1]
    assert len(learned.calls) == 2


def test_a_new_day_is_learned_and_an_older_day_does_not_evict_it(learned: Learner) -> None:
    profiles.profile_for(DAY)
    tomorrow = profiles.profile_for(date(2024, 3, 6))
    profiles.profile_for(DAY)  # an explicit older date: learned for that call, not kept
    assert profiles.profile_for(date(2024, 3, 6)) is tomorrow
    assert [day.day for day, _ in learned.calls] == [5, 6, 5]


def test_forgetting_drops_a_relearn_under_way(learned: Learner) -> None:
    profiles.profile_for(DAY)
    learned.now += profiles.MAX_AGE + 1
    learned.release.clear()
    profiles.profile_for(DAY)  # starts the relearn, which waits
    profiles.profile_forget()  # e.g. history was loaded: what it learns is out of date
    learned.release.set()
    _join_relearns()
    fresh = profiles.profile_for(DAY)  # learned again, not the relearn's
    assert fresh is learned.calls[-1][1] and len(learned.calls) == 3
