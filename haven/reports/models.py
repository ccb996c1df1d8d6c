"""The tip line's figures kept ready for the reports: one narrow row per tip (:class:`TipFigure`),
holding only what the report counts — never what a tip says. The row is written again whenever the
tip, one of its messages or one of its files is saved or deleted (:mod:`haven.reports.figures`),
and ``haven report_figures`` rebuilds them all (after a bulk load that bypasses saving)."""

from __future__ import annotations

from django.db import models


class TipFigure(models.Model):
    tip = models.OneToOneField(
        "tips.Tip", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    district = models.ForeignKey("core.District", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        "core.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.CharField(max_length=30)
    life_safety = models.BooleanField(default=False)
    online = models.BooleanField(default=False)
    with_files = models.BooleanField(default=False)
    #: The reporter and a responder both wrote (internal notes do not count).
    dialogue = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    #: Minutes from sent to acknowledged (closed), computed by the database's own arithmetic (the
    #: same expression the report used to compute on the fly); null while not done.
    ack_minutes = models.FloatField(null=True, blank=True)
    close_minutes = models.FloatField(null=True, blank=True)
    #: Coarse, order-preserving buckets of those minutes (:func:`haven.reports.figures.bucket`),
    #: so that a percentile reads one bucket's values instead of sorting every tip.
    ack_bucket = models.SmallIntegerField(null=True, blank=True)
    close_bucket = models.SmallIntegerField(null=True, blank=True)
    disposition = models.CharField(max_length=20, blank=True)
    escalation_tier = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="reports_tipfig_created"),
            models.Index(fields=["school", "created_at"], name="reports_tipfig_school"),
            # A percentile reads the values of one bucket (stats.bucketed_percentiles).
            models.Index(fields=["ack_bucket", "created_at"], name="reports_tipfig_ack"),
            models.Index(fields=["close_bucket", "created_at"], name="reports_tipfig_close"),
        ]

    def __str__(self) -> str:
        return f"figures of tip {self.tip_id}"


class PublicReport(models.Model):
    """Whether a district publishes its tip line's aggregate figures on a public page (off until
    the district turns it on), and under which count a figure is withheld."""

    district = models.OneToOneField(
        "core.District", on_delete=models.CASCADE, related_name="public_report"
    )
    enabled = models.BooleanField(default=False)
    suppress_below = models.PositiveSmallIntegerField(
        default=10, help_text="Counts from 1 to this number minus one are shown as 'fewer than'."
    )

    def __str__(self) -> str:
        return f"public report of {self.district} ({'on' if self.enabled else 'off'})"
