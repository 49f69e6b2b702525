"""Findings: what the released records say, each tied to a cited passage and a place in New York City."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import one_of, utcnow

FINDING_KINDS = ("camera", "camera_network", "facial_recognition_system", "facial_recognition_search",
                 "vendor_contract", "policy", "usage_figure", "other")
KIND_LABELS = {
    "camera": "Camera",
    "camera_network": "Camera network",
    "facial_recognition_system": "Facial-recognition system",
    "facial_recognition_search": "Facial-recognition search",
    "vendor_contract": "Vendor contract",
    "policy": "Policy",
    "usage_figure": "Usage figure",
    "other": "Other",
}


class Finding(db.Model):
    """A passage of the records (a document's page and the quoted words, or an outside source) placed in one
    or more neighborhoods, with the kind of thing it shows and the period it speaks of.

    A finding is verified when someone other than its author (a lawyer, researcher or admin) confirms it;
    the database refuses an author verifying their own finding. Imported findings carry `source` (a
    citation) and `source_url` instead of a page, and the import `batch` they came in.
    """

    __tablename__ = "findings"
    __table_args__ = (
        one_of("kind", FINDING_KINDS),
        CheckConstraint("verified_by_id IS NULL OR created_by_id IS NULL OR verified_by_id <> created_by_id",
                        name="not_self_verified"),
        CheckConstraint("(document_id IS NOT NULL AND page IS NOT NULL) OR source <> ''", name="cited"),
        CheckConstraint("period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
                        name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    page: Mapped[int | None]
    quote: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(2000), default="")
    # The NTA 2020 codes the finding is placed in (a point, one neighborhood, or a ZIP code's or community
    # district's neighborhoods), and how it was placed, in words ("ZIP code 11211").
    nta_codes: Mapped[list] = mapped_column(JSON, default=list)
    place_label: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    batch: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str] = mapped_column(String(320), default="")
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    campaign = relationship("Campaign")
    document = relationship("Document")
    created_by = relationship("User", foreign_keys=[created_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    @property
    def verified(self) -> bool:
        """Whether a second person has confirmed the finding."""
        return self.verified_at is not None

    def __repr__(self) -> str:
        return f"<Finding {self.id} {self.kind}>"
