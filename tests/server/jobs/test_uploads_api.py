"""``POST /api/uploads/``: what is not a dataset answers 400 at once; a dataset becomes a job
that validates, loads and publishes; an invalid one fails with the validation report."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
from django.core.files.uploadedfile import SimpleUploadedFile

from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.jobs.models import Job
from shelfcast.server.orders.models import OrderProposal
from shelfcast.server.sales.models import DailySales


def _files(folder: Path) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir())
            if p.is_file()]


def _zip(entries: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return SimpleUploadedFile("data.zip", buffer.getvalue())


def test_an_uploaded_dataset_is_loaded_and_published_once(  # type: ignore[no-untyped-def]
        client_for, small_chain_dir, live_model_version, run_queue, job_home) -> None:
    answer = client_for("analyst").post("/api/uploads/", {"files": _files(small_chain_dir)},
                                        format="multipart")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["status"] == "queued" and body["url"] == f"/api/jobs/{body['job_id']}/"
    assert (job_home / "uploads" / body["job_id"] / "data" / "sales.csv").is_file()
    assert run_queue() == 1
    job = client_for("viewer").get(body["url"]).json()
    assert job["status"] == "succeeded", job["error"]
    assert job["attempts"] == 1 and job["report"]["ok"] is True
    sales = pl.read_csv(small_chain_dir / "sales.csv")
    assert DailySales.objects.count() == sales.height == job["result"]["counts"]["sales_rows"]
    assert PublishedForecast.objects.count() == job["result"]["counts"]["forecasts"] > 0
    assert PublishedForecast.objects.filter(model_version__version=live_model_version).exists()
    assert OrderProposal.objects.count() == job["result"]["counts"]["orders"] > 0
    forecasts = client_for("viewer").get("/api/forecasts/").json()
    assert forecasts["count"] == PublishedForecast.objects.count()


def test_a_zip_of_a_folder_is_accepted(  # type: ignore[no-untyped-def]
        client_for, small_chain_dir, live_model_version, run_queue) -> None:
    upload = _zip({f"chain/{p.name}": p.read_bytes() for p in small_chain_dir.iterdir()})
    answer = client_for("admin").post("/api/uploads/", {"files": [upload]}, format="multipart")
    assert answer.status_code == 202, answer.content
    run_queue()
    assert Job.objects.get(pk=answer.json()["job_id"]).status == "succeeded"
    assert DailySales.objects.count() == pl.read_csv(small_chain_dir / "sales.csv").height


def test_an_invalid_dataset_fails_with_a_report_naming_file_row_and_field(  # type: ignore[no-untyped-def]
        client_for, run_queue) -> None:
    sales = b"date,store_id,item_id,sales\n2024-01-01,S1,I1,3\n2024-01-02,S1,I1,-4\n"
    answer = client_for("analyst").post(
        "/api/uploads/", {"files": [SimpleUploadedFile("sales.csv", sales)]}, format="multipart")
    assert answer.status_code == 202
    run_queue()
    job = client_for("analyst").get(answer.json()["url"]).json()
    assert job["status"] == "failed" and job["error"]["error"] == "job_failed"
    (issue,) = [i for i in job["report"]["errors"] if i["column"] == "sales"]
    assert issue["file"] == "sales.csv" and 2 in issue["rows"]
    assert DailySales.objects.count() == 0


def _rejected(client, files) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post("/api/uploads/", {"files": files}, format="multipart")
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert set(body) == {"error", "message", "details"} and body["error"] == "invalid_upload"
    return body


def test_what_is_not_a_dataset_is_refused_at_once(client_for, job_home) -> None:  # type: ignore[no-untyped-def]
    analyst = client_for("analyst")
    body = _rejected(analyst, [SimpleUploadedFile("holiday.jpg", b"\xff\xd8\xff")])
    assert body["details"]["files"] == ["holiday.jpg"]
    assert "not a table" in body["message"]
    _rejected(analyst, [SimpleUploadedFile("items.csv", b"item_id\nI1\n")])  # no sales
    assert "not a readable zip" in _rejected(
        analyst, [SimpleUploadedFile("data.zip", b"PK not really")])["message"]
    slip = _rejected(analyst, [_zip({"../../etc/sales.csv": b"x", "sales.csv": b"y"})])
    assert slip["details"]["paths"] == ["../../etc/sales.csv"]
    _rejected(analyst, [_zip({"/abs/sales.csv": b"x"})])
    _rejected(analyst, [_zip({"readme.txt": b"hello"})])
    answer = analyst.post("/api/uploads/", {}, format="multipart")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_upload"
    assert Job.objects.count() == 0
    assert not (job_home / "uploads").exists()


def test_an_upload_over_the_limit_answers_413(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHELFCAST_MAX_UPLOAD_BYTES = 2048
    big = SimpleUploadedFile("sales.csv", b"date,store_id,item_id,sales\n" + b"x" * 4096)
    answer = client_for("analyst").post("/api/uploads/", {"files": [big]}, format="multipart")
    assert answer.status_code == 413
    assert answer.json()["error"] == "request_too_large"
    assert Job.objects.count() == 0


def test_only_analysts_and_admins_upload(client_for, api_client) -> None:  # type: ignore[no-untyped-def]
    files = {"files": [SimpleUploadedFile("sales.csv", b"date,store_id,item_id,sales\n")]}
    for role in ("viewer", "till"):
        answer = client_for(role).post("/api/uploads/", files, format="multipart")
        assert answer.status_code == 403 and answer.json()["error"] == "permission_denied"
    assert api_client.post("/api/uploads/", files, format="multipart").status_code == 401
    assert client_for("till").post("/api/runs/").status_code == 403
    assert client_for("till").get("/api/jobs/").status_code == 403
    assert Job.objects.count() == 0
