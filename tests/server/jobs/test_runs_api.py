"""``POST /api/runs/`` and the job reads: a run forecasts and replenishes the current data,
its results are downloadable; jobs are listed and read by id."""

from __future__ import annotations

import io

import polars as pl
from django.core.files.uploadedfile import SimpleUploadedFile

from shelfcast.server.forecasts.models import PublishedForecast


def _upload(client, folder) -> str:  # type: ignore[no-untyped-def]
    files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    answer = client.post("/api/uploads/", {"files": files}, format="multipart")
    assert answer.status_code == 202
    return answer.json()["job_id"]


def test_a_run_publishes_and_its_results_download(  # type: ignore[no-untyped-def]
        client_for, small_chain_dir, live_model_version, run_queue) -> None:
    analyst = client_for("analyst")
    upload_id = _upload(analyst, small_chain_dir)
    run_queue()
    published = PublishedForecast.objects.count()
    answer = analyst.post("/api/runs/")
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    run_id = answer.json()["job_id"]
    run_queue()
    job = analyst.get(f"/api/jobs/{run_id}/").json()
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["counts"]["model_version"] == live_model_version
    assert {r["name"] for r in job["results"]} == {"forecast", "orders", "alerts"}
    assert PublishedForecast.objects.count() == published  # replaced, not added
    forecast_link = next(r for r in job["results"] if r["name"] == "forecast")
    csv = analyst.get(forecast_link["url"])
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(csv.content))
    assert frame.height == forecast_link["rows"] == published
    assert {"date", "store_id", "item_id", "forecast", "q90"} <= set(frame.columns)
    parquet = analyst.get(f"/api/jobs/{run_id}/results/orders/", {"format": "parquet"})
    assert pl.read_parquet(io.BytesIO(parquet.content)).height == next(
        r["rows"] for r in job["results"] if r["name"] == "orders")
    xlsx = analyst.get(f"/api/jobs/{run_id}/results/alerts/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    page = analyst.get(f"/api/jobs/{run_id}/results/forecast/", {"page_size": 5}).json()
    assert page["count"] == published and len(page["results"]) == 5

    listed = client_for("viewer").get("/api/jobs/").json()
    assert [j["id"] for j in listed["results"]] == [run_id, upload_id]
    assert client_for("viewer").get("/api/jobs/", {"kind": "upload"}).json()["count"] == 1
    assert client_for("viewer").post("/api/runs/").status_code == 403


def test_unknown_jobs_and_results_answer_404(client_for, live_model_version, run_queue) -> None:  # type: ignore[no-untyped-def]
    viewer = client_for("viewer")
    for url in ("/api/jobs/not-a-uuid/", "/api/jobs/00000000-0000-0000-0000-000000000000/"):
        body = viewer.get(url).json()
        assert body["error"] == "not_found"
    run_id = client_for("analyst").post("/api/runs/").json()["job_id"]
    assert viewer.get(f"/api/jobs/{run_id}/results/forecast/").status_code == 404
    run_queue()  # nothing loaded yet: the run fails and says what to do
    job = viewer.get(f"/api/jobs/{run_id}/").json()
    assert job["status"] == "failed" and "upload a dataset" in job["error"]["message"]
