"""What the daily run's monitor step records: accuracy sums per day, store and category
(``shelfcast.ops.accuracy``), drift per run and feature, and the alerts raised."""

from __future__ import annotations

from django.db import models

__all__ = ["AccuracyScore", "DriftScore", "MonitoringAlert"]


class AccuracyScore(models.Model):
    """Sums, not ratios, so any window of days pools exactly (WAPE = abs_error / actual)."""

    date = models.DateField()
    store_id = models.CharField(max_length=64)
    category = models.CharField(max_length=128)
    rows = models.IntegerField()
    actual = models.FloatField()
    forecast = models.FloatField()
    abs_error = models.FloatField()
    covered_q90 = models.IntegerField(help_text="Rows whose actual was at or below q90")
    model_version = models.CharField(max_length=64, blank=True)
    run_date = models.DateField(help_text="The daily run that scored it")

    class Meta:
        ordering = ["date", "store_id", "category"]
        constraints = [models.UniqueConstraint(fields=["date", "store_id", "category"],
                                               name="accuracy_score_key")]

    def __str__(self) -> str:
        return f"{self.date} {self.store_id}/{self.category}"


class DriftScore(models.Model):
    run_date = models.DateField()
    feature = models.CharField(max_length=128)
    psi = models.FloatField()
    reference_rows = models.IntegerField()
    recent_rows = models.IntegerField()
    reference_mean = models.FloatField(null=True)
    recent_mean = models.FloatField(null=True)
    model_version = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-run_date", "feature"]
        constraints = [models.UniqueConstraint(fields=["run_date", "feature"],
                                               name="drift_score_key")]

    def __str__(self) -> str:
        return f"{self.run_date} {self.feature}: {self.psi:.3f}"


class MonitoringAlert(models.Model):
    run_date = models.DateField(db_index=True)
    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=200)
    value = models.FloatField()
    threshold = models.FloatField()
    message = models.TextField()

    class Meta:
        ordering = ["-run_date", "kind", "subject"]

    def __str__(self) -> str:
        return f"{self.run_date} {self.kind} {self.subject}"
