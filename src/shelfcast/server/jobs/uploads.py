"""Accepting an upload: what is obviously not a dataset is refused at once; the rest is
saved under the workspace's ``uploads/<job id>/`` for the upload job to validate and load.

Refused at once (``UploadRejected``, answered 400): no file, a file that is not a table of
the dataset folder (by name and format), a zip that cannot be read, a zip with a path that
would land outside its folder (absolute, ``..``, a link), a zip whose contents would exceed
the upload limit, or a zip without any table file.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from django.conf import settings as django_settings

from shelfcast.data.schema import TABLES
from shelfcast.data.tables import FILE_SUFFIXES
from shelfcast.errors import ShelfcastError

__all__ = ["UploadRejected", "upload_dir", "check_upload", "save_upload", "table_of"]

UNZIPPED_FACTOR = 20
"""A zip may hold at most this many times the upload limit once unpacked (zip bombs)."""


class UploadRejected(ShelfcastError):
    code = "invalid_upload"


class UploadedFile(Protocol):
    name: str
    size: int

    def chunks(self) -> Iterable[bytes]: ...


def upload_dir(job_id: Any) -> Path:
    return Path(django_settings.SHELFCAST_HOME) / "uploads" / str(job_id)


def table_of(name: str) -> str | None:
    """The dataset table a file name stands for (``sales.csv`` -> ``sales``), or None."""
    base = PurePosixPath(name).name
    for suffix in FILE_SUFFIXES:
        if base.lower().endswith(suffix):
            stem = base[: -len(suffix)]
            return stem if stem in TABLES else None
    return None


def _expected() -> str:
    return (f"files named after a table ({', '.join(TABLES)}) with a suffix "
            f"{', '.join(FILE_SUFFIXES)}, or one .zip of them")


def check_upload(files: list[UploadedFile]) -> str | None:
    """Refuse what is obviously not a dataset; returns the zip's name when one was sent."""
    if not files:
        raise UploadRejected("no file was sent: send the dataset's table files (multipart, "
                             "field 'files') or one zip of them",
                             details={"expected": _expected()})
    zips = [f for f in files if f.name.lower().endswith(".zip")]
    if zips:
        if len(files) != 1:
            raise UploadRejected("send either one zip or table files, not both",
                                 details={"files": [f.name for f in files]})
        _check_zip(zips[0])
        return PurePosixPath(zips[0].name).name
    unknown = [f.name for f in files if table_of(f.name) is None]
    if unknown:
        raise UploadRejected(
            f"not a table of the dataset folder: {', '.join(unknown)}",
            details={"files": unknown, "expected": _expected()})
    tables = [table_of(f.name) for f in files]
    doubled = sorted({t for t in tables if tables.count(t) > 1})  # type: ignore[misc]
    if doubled:
        raise UploadRejected(f"more than one file for the table(s) {', '.join(doubled)}",
                             details={"tables": doubled})
    if "sales" not in tables:
        raise UploadRejected("the required table 'sales' is missing",
                             details={"files": [f.name for f in files],
                                      "expected": "a sales file, e.g. sales.csv"})
    return None


def _check_zip(upload: UploadedFile) -> None:
    name = upload.name
    try:
        with zipfile.ZipFile(upload) as zf:  # type: ignore[arg-type]
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRejected(f"{name}: not a readable zip ({exc})",
                             details={"file": name}) from None
    unsafe = [i.filename for i in infos if _unsafe(i)]
    if unsafe:
        raise UploadRejected(
            f"{name}: unsafe path(s) in the zip: {', '.join(unsafe[:5])}",
            details={"file": name, "paths": unsafe[:20],
                     "expected": "relative paths inside the zip, no '..', no links"})
    limit = django_settings.SHELFCAST_MAX_UPLOAD_BYTES * UNZIPPED_FACTOR
    if sum(i.file_size for i in infos) > limit:
        raise UploadRejected(f"{name}: unpacks to more than {limit:,} bytes",
                             details={"file": name, "limit": limit})
    if not any(table_of(i.filename) for i in infos if not i.is_dir()):
        raise UploadRejected(f"{name}: the zip holds no table of the dataset folder",
                             details={"file": name, "expected": _expected(),
                                      "found": [i.filename for i in infos[:20]]})


def _unsafe(info: zipfile.ZipInfo) -> bool:
    path = PurePosixPath(info.filename.replace("\\", "/"))
    is_link = stat.S_ISLNK(info.external_attr >> 16)
    drive = ":" in path.parts[0] if path.parts else False
    return path.is_absolute() or ".." in path.parts or is_link or drive


def save_upload(files: list[UploadedFile], job_id: Any) -> list[str]:
    """Write the files under ``uploads/<job id>/`` (a zip as is; tables into ``data/``)."""
    folder = upload_dir(job_id)
    saved = []
    for upload in files:
        name = PurePosixPath(upload.name).name
        target = folder / (name if name.lower().endswith(".zip") else f"data/{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if hasattr(upload, "seek"):
            upload.seek(0)
        with open(target, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        saved.append(name)
    return saved
