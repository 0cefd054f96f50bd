"""Where an import reads from: the user's files (matched to the mapping's sources by
name) or a SQL database through SQLAlchemy, streamed in chunks.

Text files are read with every column as text: the mapping says what each column means
and how to parse it, so a store number stays ``"007"`` and a date written M/D/YYYY is
not guessed at. Columns of typed formats (Parquet, Excel, SQL) keep their types.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from shelfcast.data.mapping import ImportMapping, SourceSpec
from shelfcast.data.tables import file_format
from shelfcast.errors import MappingError, ShelfcastError

__all__ = ["SourceRef", "resolve_sources", "read_chunks", "DEFAULT_BATCH_SIZE"]

DEFAULT_BATCH_SIZE = 100_000
"""Rows fetched from a database at a time (memory stays bounded by this, not the table)."""


@dataclass(frozen=True)
class SourceRef:
    """One source, resolved: a file, or a query against a database URL."""

    name: str
    spec: SourceSpec
    path: Path | None = None
    url: str | None = None
    query: str | None = None

    @property
    def label(self) -> str:
        """How messages name it: the file's name, or ``query 'name'``."""
        return self.path.name if self.path is not None else f"query {self.name!r}"


def resolve_sources(
    mapping: ImportMapping,
    paths: Sequence[str | Path] = (),
    *,
    sql: str | None = None,
    query: str | None = None,
) -> dict[str, SourceRef]:
    """Find each source the mapping uses among ``paths`` (files, or folders to look in),
    or give it its SQL query (``query`` is for the sales source)."""
    files = [Path(p) for p in paths]
    for f in files:
        if not f.exists():
            raise MappingError(f"{f}: no such file or folder", details={"path": str(f)})
    if query is not None and sql is None:
        raise MappingError("--query needs --sql URL (the database to run it against)")
    used = _used_sources(mapping)
    refs: dict[str, SourceRef] = {}
    for name in used:
        spec = mapping.sources[name]
        q = query if (query is not None and name == mapping.sales.source) else spec.query
        if sql is not None and q is not None:
            refs[name] = SourceRef(name, spec, url=sql, query=q)
            continue
        refs[name] = SourceRef(name, spec, path=_find_file(mapping, spec, files, len(used)))
    return refs


def _used_sources(mapping: ImportMapping) -> list[str]:
    names = [mapping.sales.source, *(e.source for e in mapping.events)]
    names += [a.source for a in (mapping.stores, mapping.items) if a is not None]
    names += [c.source for c in mapping.covariates]
    return list(dict.fromkeys(names))


def _find_file(mapping: ImportMapping, spec: SourceSpec, files: list[Path], n_used: int) -> Path:
    given = ", ".join(str(f) for f in files) or "none"
    if spec.file is None:
        plain = [f for f in files if f.is_file()]
        if n_used == 1 and len(plain) == 1:
            return plain[0]
        raise MappingError(
            f"{mapping.origin}: source {spec.name!r} has no 'file' (or 'query' with --sql); "
            f"SRC given: {given}",
            details={"key": f"sources.{spec.name}", "given": [str(f) for f in files]},
        )
    matches: list[Path] = []
    for f in files:
        if f.is_dir():
            matches += sorted(p for p in f.glob(spec.file) if p.is_file())
        elif fnmatch.fnmatch(f.name, spec.file) or fnmatch.fnmatch(f.as_posix(), f"*/{spec.file}"):
            matches.append(f)
    matches = list(dict.fromkeys(matches))
    if not matches and n_used == 1 and len(files) == 1 and files[0].is_file():
        return files[0]  # one source, one file: its name need not match
    if len(matches) != 1:
        found = (
            "no file" if not matches else f"{len(matches)} files ({', '.join(map(str, matches))})"
        )
        raise MappingError(
            f"{mapping.origin}: source {spec.name!r} wants a file named {spec.file!r}; "
            f"found {found} among SRC ({given})",
            details={
                "key": f"sources.{spec.name}.file",
                "pattern": spec.file,
                "matches": [str(m) for m in matches],
            },
        )
    return matches[0]


def read_chunks(ref: SourceRef, *, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[pl.DataFrame]:
    """The source's rows, as one frame (a file) or successive chunks (a query)."""
    if ref.path is not None:
        yield _normalise(_read_file(ref.path, ref.spec))
        return
    yield from (_normalise(chunk) for chunk in _read_sql(ref, batch_size))


def _read_file(path: Path, spec: SourceSpec) -> pl.DataFrame:
    try:
        fmt = file_format(path)
        if fmt in ("csv", "csv.gz"):
            return pl.read_csv(
                path,
                infer_schema=False,
                separator=spec.separator,
                encoding=spec.encoding,
                truncate_ragged_lines=False,
            )
        if fmt == "parquet":
            return pl.read_parquet(path)
        if fmt == "xlsx":
            return pl.read_excel(path, sheet_name=spec.sheet) if spec.sheet else pl.read_excel(path)
        if fmt == "json":
            return pl.read_json(path)
        return pl.read_ndjson(path)
    except ShelfcastError:
        raise
    except Exception as exc:  # the reader's own message says what is wrong with the file
        raise ShelfcastError(
            f"{path.name}: cannot be read as {path.suffix[1:]}: {exc}", details={"file": str(path)}
        ) from exc


def _read_sql(ref: SourceRef, batch_size: int) -> Iterator[pl.DataFrame]:
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = sa.create_engine(ref.url)  # type: ignore[arg-type]
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ShelfcastError(
            f"--sql: cannot use the database URL ({exc})", details={"source": ref.name}
        ) from exc
    try:
        # A server-side cursor where the driver has one, so rows arrive batch by batch.
        with engine.connect().execution_options(stream_results=True) as conn:
            yield from pl.read_database(
                sa.text(ref.query),
                conn,
                iter_batches=True,
                batch_size=batch_size,  # type: ignore[arg-type]
            )
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ShelfcastError(
            f"{ref.label}: the database refused the query: {first}",
            details={"source": ref.name, "query": ref.query},
        ) from exc
    finally:
        engine.dispose()


def _normalise(df: pl.DataFrame) -> pl.DataFrame:
    """Floats holding whole numbers become integers, so that a store number read as
    ``7.0`` (a spreadsheet, a nullable SQL column) is the key ``"7"``."""
    casts = []
    for name, dtype in df.schema.items():
        if dtype.is_float():
            col = df[name].drop_nulls()
            if col.len() and bool((col == col.round(0)).all()) and col.abs().max() < 2**53:
                casts.append(pl.col(name).cast(pl.Int64))
    return df.with_columns(casts) if casts else df
