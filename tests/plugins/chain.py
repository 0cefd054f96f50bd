"""The synthetic chain as session-scoped fixtures: one small chain, generated once per run.

``chain_tables`` is ``generate_chain(stores=3, items=20, days=400, seed=0)`` (every table of
DATA_FORMAT.md as typed frames); ``chain_dir`` is the same chain written as Parquet into a
temporary folder, ready for ``load_dataset`` and the commands. Treat both as read-only:
copy a frame (``df.clone()``) or the folder before changing it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

__all__ = ["CHAIN_ARGS", "chain_tables", "chain_dir"]

CHAIN_ARGS: dict[str, int] = {"stores": 3, "items": 20, "days": 400, "seed": 0}


@pytest.fixture(scope="session")
def chain_tables() -> dict[str, pl.DataFrame]:
    # Imported here so that a broken generator fails only the tests that use it.
    from shelfcast.data.generate import generate_chain

    return generate_chain(**CHAIN_ARGS)


@pytest.fixture(scope="session")
def chain_dir(
    chain_tables: dict[str, pl.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    from shelfcast.data.generate import write_chain

    return write_chain(chain_tables, tmp_path_factory.mktemp("chain"), fmt="parquet")
