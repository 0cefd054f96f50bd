"""Whatever mix of new, repeated, conflicting and bad lines arrives, in whatever batches: every
line is counted once (accepted, duplicate or rejected), and the running totals always equal
the stored lines summed per store, item and business day."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelfcast.server.sales.models import IntradayTotal, Transaction
from shelfcast.server.sales.services import transactions_ingest

STAMPS = ["2024-03-01T23:30:00+00:00", "2024-03-02T00:30:00+01:00", "2024-03-02T09:00:00Z",
          "2024-03-02T09:00:00"]  # the last has no time zone: rejected

lines = st.fixed_dictionaries({
    "transaction_id": st.sampled_from([f"t{i}" for i in range(12)]),
    "timestamp": st.sampled_from(STAMPS),
    "store_id": st.sampled_from(["S1", "S2", "S9"]),  # S9 is unknown
    "item_id": st.sampled_from(["I1", "I2"]),
    "quantity": st.integers(-2, 4),
})


def test_totals_always_match_the_stored_lines(catalog) -> None:  # type: ignore[no-untyped-def]
    @given(batches=st.lists(st.lists(lines, max_size=15), min_size=1, max_size=4))
    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(batches: list[list[dict]]) -> None:
        Transaction.objects.all().delete()
        IntradayTotal.objects.all().delete()
        for batch in batches:
            result = transactions_ingest(lines=batch)
            assert result.accepted + result.duplicate + len(result.rejected) == len(batch)
            assert sorted({r.index for r in result.rejected}) == [r.index for r in result.rejected]
        expected: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0])
        for t in Transaction.objects.all():
            expected[(t.store_id, t.item_id, t.business_day)][0] += t.quantity
            expected[(t.store_id, t.item_id, t.business_day)][1] += 1
        stored = {(t.store_id, t.item_id, t.business_day): [t.units, t.lines]
                  for t in IntradayTotal.objects.all()}
        assert stored == dict(expected)
        ids = list(Transaction.objects.values_list("transaction_id", flat=True))
        assert len(ids) == len(set(ids))

    check()
