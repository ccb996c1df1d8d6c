"""Dated observations: movement along the pathway to violence (with a warning to the team when a
case moves forward) and C-SSRS suicide-risk screenings (answers clinical, risk level shared)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access.models import Compartment
from haven.cases import cssrs, pathway
from haven.cases.models import Case, PathwayObservation, Screening
from haven.cases.services._common import (
    audit_read,
    clean_text,
    notify_users,
    record,
    require_case,
    require_open,
    require_readable,
    require_writable,
    team_users,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_SUMMARY = 5_000


def observe(
    user: User,
    case: Case,
    *,
    stage: str,
    observed_on: date,
    source: str,
    summary: str = "",
) -> PathwayObservation:
    """Record what was observed, when and from whom. If it moves the case further along the
    pathway than anything observed before, the team is warned."""
    case = require_case(user, case)
    require_open(case)
    if stage not in pathway.Stage.values:
        raise ValidationError(
            {"stage": _("One of: %(stages)s.") % {"stages": ", ".join(pathway.Stage.values)}}
        )
    if not isinstance(observed_on, date):
        raise ValidationError({"observed_on": _("Give the date it was observed.")})
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": _("A date in the future is not allowed.")})
    if source not in PathwayObservation.Source.values:
        raise ValidationError({"source": _("Choose where the observation came from.")})
    summary = clean_text(summary, "summary", limit=MAX_SUMMARY, required=False)
    with transaction.atomic():
        before = PathwayObservation.objects.filter(case=case).values_list("stage", flat=True)
        forward = pathway.is_forward(list(before), stage)
        observation = PathwayObservation.objects.create(
            case=case,
            stage=stage,
            observed_on=observed_on,
            source=source,
            summary=summary,
            recorded_by=user,
            forward=forward,
        )
        label = pathway.Stage(stage).label
        record(
            user,
            case,
            action="create",
            kind="pathway_forward" if forward else "pathway",
            obj=observation,
            text=(
                _("Moved forward on the pathway to violence: %(stage)s") % {"stage": label}
                if forward
                else _("Pathway observation: %(stage)s") % {"stage": label}
            ),
            detail={"forward": forward},  # the stage is the record's content: not in the log
        )
        if forward:
            furthest = pathway.furthest([*before, stage])
            case.pathway_stage = furthest
            Case.objects.filter(pk=case.pk).update(pathway_stage=furthest)
            notify_users(
                team_users(case, exclude=user),
                case,
                kind="case_pathway",
                title=_("Case #%(n)d moved forward on the pathway to violence") % {"n": case.pk},
                body=_("New stage observed: %(stage)s. Review the case and its safety plan.")
                % {"stage": label},
                urgent=pathway.rank(stage) >= pathway.rank(pathway.Stage.PREPARATION),
            )
    return observation


def pathway_history(user: User, case: Case) -> list[PathwayObservation]:
    """The observations in date order: the movement along the path over time; audited."""
    case = require_case(user, case)
    rows = list(PathwayObservation.objects.filter(case=case).select_related("recorded_by"))
    audit_read(user, case, what="pathway")
    return rows


def screen(user: User, case: Case, answers: Any) -> Screening:
    """A C-SSRS screener. Only those who write the clinical record screen (the answers are
    clinical); the team record gets the risk level and the actions it requires."""
    case = require_case(user, case)
    require_open(case)
    require_writable(user, case, Compartment.CLINICAL)
    mapping = cssrs.mapping()
    result = cssrs.assess(answers, mapping)
    with transaction.atomic():
        screening = Screening.objects.create(
            case=case,
            mapping_version=mapping.version,
            answers=cast(Any, result.answers),  # JSON, encrypted
            risk_level=result.risk_level,
            positive=result.positive,
            required_actions=result.required_actions,
            performed_by=user,
        )
        case.risk_level = result.risk_level
        Case.objects.filter(pk=case.pk).update(risk_level=result.risk_level)
        record(
            user,
            case,
            action="create",
            kind="screening",
            obj=screening,
            part=Compartment.CLINICAL,
            text=_("C-SSRS screening recorded"),
        )
        # The team's share: the level alone (minimum necessary).
        record(
            user,
            case,
            action="update",
            kind="risk_level",
            obj=screening,
            text=_("Suicide-risk screening: %(level)s risk")
            % {"level": Screening.RiskLevel(result.risk_level).label.lower()},
            touch=False,
        )
        if result.risk_level == Screening.RiskLevel.HIGH:
            notify_users(
                team_users(case, exclude=user),
                case,
                kind="case_risk",
                title=_("High suicide risk on case #%(n)d") % {"n": case.pk},
                body=_("Do not leave the student alone. Open Haven for the required actions."),
                urgent=True,
            )
    return screening


def screenings(user: User, case: Case) -> list[Screening]:
    """The screenings' risk levels and actions (team record). Their answers are read only
    through :func:`screening_answers`."""
    case = require_case(user, case)
    rows = list(Screening.objects.filter(case=case).select_related("performed_by"))
    audit_read(user, case, what="screenings")
    return rows


def screening_answers(user: User, screening: Screening) -> dict[str, bool]:
    """The raw answers (clinical: 404 unless ``user`` may read the clinical record now)."""
    case = require_case(user, screening.case_id)
    if screening.case_id != case.pk:
        raise Http404
    require_readable(user, case, Compartment.CLINICAL)
    audit_read(user, case, part=Compartment.CLINICAL, what=f"screening:{screening.pk}")
    return dict(screening.answers)
