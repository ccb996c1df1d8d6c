"""``POST /api/v1/screenings``: screen a person against the registry.

Only users who may see screenings (``Perm.SCREENING_VIEW``: front desk, administrators, the SRO)
reach it; anyone else gets 404, as for a record they may not see.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Router, Schema
from pydantic import Field

from haven.access import policy
from haven.access.policy import Perm
from haven.screening import services
from haven.web.requests import SignedInRequest

router = Router(tags=["screening"])


class ScreeningIn(Schema):
    first_name: str = Field(min_length=1, max_length=services.MAX_NAME)
    last_name: str = Field(min_length=1, max_length=services.MAX_NAME)
    date_of_birth: dt.date
    middle_name: str = Field("", max_length=services.MAX_NAME)
    dob_typed_by_hand: bool = False


class MatchOut(Schema):
    source: str
    record_id: str
    name: str
    date_of_birth: dt.date | None
    score: float


class ScreeningOut(Schema):
    id: int
    outcome: str
    matches: list[MatchOut]


@router.post("", response=ScreeningOut, url_name="screenings")
def create_screening(request: SignedInRequest, body: ScreeningIn) -> dict[str, object]:
    if not policy.has_perm(request.user, Perm.SCREENING_VIEW):
        raise Http404
    screening = services.screen(
        body.first_name,
        body.last_name,
        body.date_of_birth,
        body.middle_name,
        body.dob_typed_by_hand,
        actor=request.user,
    )
    return {"id": screening.pk, "outcome": screening.outcome, "matches": screening.matches}
