"""The model registry: register (idempotent, first one live), promote (exactly one live,
rollback), ``GET /api/models/`` and ``POST /api/models/{version}/promote/``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shelfcast.errors import ModelNotFoundError
from shelfcast.forecast import Forecaster
from shelfcast.forecast.artifact import save_model
from shelfcast.server.forecasts.models import ModelVersion
from shelfcast.server.forecasts.services import model_version_promote, model_version_register


@pytest.fixture
def two_versions(db, model_version_dir: Path, tmp_path: Path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    older = model_version_register(path=model_version_dir)
    newer_dir = save_model(Forecaster.load(model_version_dir), tmp_path)
    newer = model_version_register(path=newer_dir)
    return older.version, newer.version


def live() -> list[str]:
    return list(ModelVersion.objects.filter(is_live=True).values_list("version", flat=True))


def test_register_is_idempotent_and_the_first_version_goes_live(db, model_version_dir: Path) -> None:  # type: ignore[no-untyped-def]
    first = model_version_register(path=model_version_dir)
    again = model_version_register(path=model_version_dir)
    assert first.pk == again.pk and ModelVersion.objects.count() == 1
    assert first.is_live and first.promoted_at is not None
    assert first.metadata["data"]["last_date"] and first.path == str(model_version_dir.resolve())


def test_register_refuses_a_folder_without_metadata(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelNotFoundError, match="metadata.json"):
        model_version_register(path=tmp_path)
    assert ModelVersion.objects.count() == 0


def test_promote_keeps_exactly_one_live_and_rolls_back(two_versions) -> None:  # type: ignore[no-untyped-def]
    older, newer = two_versions
    assert live() == [older]  # registering a second version does not promote it
    model_version_promote(version=newer)
    assert live() == [newer]
    model_version_promote(version=older)  # the rollback
    assert live() == [older]
    with pytest.raises(ModelNotFoundError):
        model_version_promote(version="20990101T000000Z-000000")
    assert live() == [older]


def test_models_list_for_viewers(two_versions, client_for) -> None:  # type: ignore[no-untyped-def]
    older, newer = two_versions
    r = client_for("viewer").get("/api/models/")
    assert r.status_code == 200
    rows = r.json()["results"]
    assert [x["version"] for x in rows] == [newer, older]
    assert [x["is_live"] for x in rows] == [False, True]
    assert set(rows[0]["data"]) >= {"first_date", "last_date", "series"}
    assert rows[0]["training"]["rows"] > 0 and isinstance(rows[0]["metrics"], dict)


def test_promote_endpoint_is_for_admins_and_404s_unknown_versions(two_versions, client_for) -> None:  # type: ignore[no-untyped-def]
    older, newer = two_versions
    for role in ("viewer", "analyst", "till"):
        r = client_for(role).post(f"/api/models/{newer}/promote/")
        assert r.status_code == 403 and r.json()["error"] == "permission_denied"
    assert live() == [older]
    admin = client_for("admin")
    r = admin.post(f"/api/models/{newer}/promote/")
    assert r.status_code == 200 and r.json()["version"] == newer and r.json()["is_live"]
    assert live() == [newer]
    r = admin.post("/api/models/nope/promote/")
    assert r.status_code == 404 and r.json()["error"] == "model_not_found"
    assert live() == [newer]


def test_a_live_version_whose_files_are_gone_answers_503(db, model_version_dir: Path, tmp_path: Path, client_for) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.forecasts.serving import live_model_invalidate

    copy = tmp_path / model_version_dir.name
    shutil.copytree(model_version_dir, copy)
    model_version_register(path=copy)
    shutil.rmtree(copy)
    live_model_invalidate()
    r = client_for("analyst").post("/api/predict/", {"items": [{"store_id": "S01", "item_id": "I0001"}]},
                                   format="json")
    assert r.status_code == 503 and r.json()["error"] == "model_unavailable"
    live_model_invalidate()


def test_train_queues_a_job_for_analysts(client_for) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.jobs.models import Job

    assert client_for("viewer").post("/api/models/train/").status_code == 403
    r = client_for("analyst").post("/api/models/train/", {"promote": True}, format="json")
    assert r.status_code == 202, r.content
    job = Job.objects.get(pk=r.json()["job_id"])
    assert job.kind == "train" and job.params == {"promote": True}
    assert r.json()["url"] == f"/api/jobs/{job.pk}/"
    bad = client_for("analyst").post("/api/models/train/", {"promote": "maybe"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_input"
    assert Job.objects.count() == 1
