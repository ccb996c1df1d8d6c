"""The generated permission table: every page and API endpoint, tried as anonymous, as an outsider
from the other school, as a member of the school without the role, and as a member with it.

A route missing from the table (or from PUBLIC) fails the suite, so a new view cannot ship without
saying who may reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import signed_in
from tests.emergencies.test_drills import world_drill
from tests.emergencies.test_reunification import world_reunification_request
from tests.emergencies.world import incident as _incident
from tests.triage.world import signal as _signal
from tests.visitors.test_pages import world_entry, world_expected, world_kiosk, world_visit
from tests.volunteers.world import world_opportunity, world_signup, world_volunteer


@dataclass(frozen=True)
class Route:
    url: Callable[[dict[str, Any]], str]
    member_with: str  # a person who may use it
    member_without: (
        str | None
    )  # a member of the same school without the role (None: every member may)
    outsider: int  # status for the outsider from the other school (404: the record is not theirs)
    method: str = "get"
    ok: int = 200  # status for member_with
    api: bool = False
    without: int = 404  # status for member_without (an API list answers 200 with no rows)


def _student(world: dict[str, Any]) -> str:
    return str(world["maya"].pk)


def _section(world: dict[str, Any]) -> str:
    return str(world["english"].pk)


def _tip(world: dict[str, Any]) -> Any:
    """A tip at Northside with one attached picture, made once per test."""
    if "tip" not in world:
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from haven.tips import services

        picture = io.BytesIO()
        Image.new("RGB", (4, 4), "red").save(picture, format="PNG")
        world["tip"], _ = services.submit(
            services.TipInput(
                category="bullying",
                description="Someone keeps pushing a kid in the hallway.",
                school="northside-high",
                files=[SimpleUploadedFile("p.png", picture.getvalue())],
            )
        )
    return world["tip"]


def _training_type(world: dict[str, Any]) -> int:
    """A training the district asks of its volunteers, made once per test."""
    if "training_type" not in world:
        from haven.volunteers.models import TrainingType

        world["training_type"] = TrainingType.objects.create(
            district=world["maya"].school.district, name="Mandated reporter"
        )
    return world["training_type"].pk


def _same(path: str, world: dict[str, Any]) -> str:
    return path


def _case(world: dict[str, Any], part: str = "") -> str:
    """/api/v1/cases/<id><part> for a Northside case (principal, counselor, sro on its team) with
    a CSTAG assessment started, made once per test."""
    if "case" not in world:
        from haven.cases import services as cases

        world["case"] = cases.open_case(
            world["principal"],
            school=world["maya"].school,
            type="threat",
            student=world["maya"],
            team=[world["principal"], world["counselor"], world["sro"]],
        )
        world["assessment"] = cases.start_assessment(world["principal"], world["case"])
    return f"/api/v1/cases/{world['case'].pk}{part}"


def _case_document(world: dict[str, Any]) -> str:
    """/cases/<id>/documents/<doc>/ for a text document in the team record of the Northside case."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from haven.cases import services as cases

    case_id = _case(world).rsplit("/", 1)[1]
    document = cases.add_document(
        world["principal"], world["case"], "team", SimpleUploadedFile("n.txt", b"Minutes.")
    )
    return f"/cases/{case_id}/documents/{document.pk}/"


def _tip_url(world: dict[str, Any], action: str = "") -> str:
    return f"/tips/{_tip(world).pk}/{action}"


def _tip_file(world: dict[str, Any]) -> str:
    return _tip_url(world, f"files/{_tip(world).attachments.get().token}/")


PAGES: dict[str, Route] = {
    "home": Route(lambda w: "/", "teacher", None, 200),
    "core:students": Route(lambda w: "/roster/students/", "counselor", "coordinator", 200),
    "core:student": Route(
        lambda w: f"/roster/students/{_student(w)}/", "counselor", "coordinator", 404
    ),
    "core:sections": Route(lambda w: "/roster/classes/", "teacher", "coordinator", 200),
    "core:section": Route(
        lambda w: f"/roster/classes/{_section(w)}/", "teacher", "coordinator", 404
    ),
    "audit:log": Route(lambda w: "/audit/", "auditor", "principal", 404),
    "notify:inbox": Route(lambda w: "/notifications/", "teacher", None, 200),
    "notify:unread": Route(lambda w: "/notifications/unread.json", "teacher", None, 200),
    "notify:mark_read": Route(lambda w: "/notifications/read/", "teacher", None, 302, "post", 302),
    "accounts:switch_school": Route(
        lambda w: "/accounts/school/", "teacher", None, 302, "post", 302
    ),
    "accounts:logout": Route(lambda w: "/accounts/sign-out/", "teacher", None, 302, "post", 302),
    # The district administrator's people page: enrolment codes, resetting a lost authenticator.
    "accounts:people": Route(lambda w: "/accounts/people/", "admin", "principal", 404),
    "accounts:enrol_code": Route(
        lambda w: f"/accounts/people/{w['teacher'].pk}/enrolment-code/",
        "admin",
        "principal",
        404,
        "post",
    ),
    "accounts:reset_second_factor": Route(
        lambda w: f"/accounts/people/{w['counselor'].pk}/reset/", "admin", "principal", 404, "post"
    ),
    "tips:inbox": Route(lambda w: "/tips/", "counselor", "teacher", 200),
    "tips:detail": Route(lambda w: _tip_url(w), "counselor", "teacher", 404),
    "tips:download": Route(_tip_file, "counselor", "teacher", 404),
    "tips:acknowledge": Route(
        lambda w: _tip_url(w, "acknowledge/"), "counselor", "teacher", 404, "post", 302
    ),
    "tips:triaged": Route(
        lambda w: _tip_url(w, "triaged/"), "counselor", "teacher", 404, "post", 302
    ),
    # Without a disposition the tip page comes back with the error next to the field.
    "tips:close": Route(lambda w: _tip_url(w, "close/"), "counselor", "teacher", 404, "post", 200),
    "tips:reopen": Route(
        lambda w: _tip_url(w, "reopen/"), "counselor", "teacher", 404, "post", 302
    ),
    "tips:message": Route(
        lambda w: _tip_url(w, "message/"), "counselor", "teacher", 404, "post", 200
    ),
    "tips:assign": Route(
        lambda w: _tip_url(w, "assign/"), "counselor", "teacher", 404, "post", 302
    ),
    "tips:link": Route(lambda w: _tip_url(w, "link/"), "counselor", "teacher", 404, "post", 200),
    "tips:contact": Route(
        lambda w: _tip_url(w, "contact/"), "counselor", "teacher", 404, "post", 200
    ),
    # Only administrators place a legal hold; a counsellor who sees the tip gets a 403.
    "tips:hold": Route(lambda w: _tip_url(w, "hold/"), "principal", "teacher", 404, "post", 302),
    "emergencies:list": Route(lambda w: "/emergencies/", "teacher", "auditor", 200),
    "emergencies:raise": Route(lambda w: "/emergencies/raise/", "teacher", "auditor", 200),
    "emergencies:detail": Route(
        lambda w: f"/emergencies/{_incident(w)}/", "teacher", "auditor", 404
    ),
    "emergencies:cap": Route(
        lambda w: f"/emergencies/{_incident(w)}/cap.xml", "teacher", "auditor", 404
    ),
    "emergencies:acknowledge": Route(
        lambda w: f"/emergencies/{_incident(w)}/acknowledge/",
        "teacher",
        "auditor",
        404,
        "post",
        302,
    ),
    # Incident command (administrators, SROs): staff who see the incident get a 403.
    "emergencies:update": Route(
        lambda w: f"/emergencies/{_incident(w)}/update/",
        "principal",
        "teacher",
        404,
        "post",
        302,
        without=403,
    ),
    "emergencies:all_clear": Route(
        lambda w: f"/emergencies/{_incident(w)}/all-clear/",
        "principal",
        "teacher",
        404,
        "post",
        302,
        without=403,
    ),
    # Posted without a subscription: reached, and told what is missing.
    "emergencies:push_subscribe": Route(
        lambda w: "/emergencies/push/subscribe", "teacher", "auditor", 422, "post", 422
    ),
    "emergencies:push_unsubscribe": Route(
        lambda w: "/emergencies/push/unsubscribe", "teacher", "auditor", 422, "post", 422
    ),
    # Drills: every staff member sees the school's schedule; its administrators and SRO schedule,
    # start and log (staff who see the drill get a 403). The outsider schedules at their own school
    # only: the pages for a new drill are a 403 there too (a counsellor is not incident command).
    "emergencies:drills": Route(lambda w: "/emergencies/drills/", "teacher", "auditor", 200),
    "emergencies:drill_schedule": Route(
        lambda w: "/emergencies/drills/schedule/", "principal", "teacher", 403, without=403
    ),
    "emergencies:drill_log_off_system": Route(
        lambda w: "/emergencies/drills/log/", "sro", "teacher", 403, without=403
    ),
    "emergencies:drill_compliance": Route(
        lambda w: "/emergencies/drills/compliance/", "principal", "teacher", 404
    ),
    "emergencies:drill_calendar": Route(
        lambda w: "/emergencies/drills/calendar.ics?school=northside-high",
        "teacher",
        "auditor",
        404,
    ),
    "emergencies:drill": Route(world_drill, "teacher", "auditor", 404),
    "emergencies:drill_start": Route(
        lambda w: world_drill(w, "start/"), "principal", "teacher", 404, "post", 302, without=403
    ),
    # Posted without its times: the drill's page comes back with the errors.
    "emergencies:drill_log": Route(
        lambda w: world_drill(w, "log/"), "sro", "teacher", 404, "post", 200, without=403
    ),
    "emergencies:drill_cancel": Route(
        lambda w: world_drill(w, "cancel/"), "principal", "teacher", 404, "post", 302, without=403
    ),
    # Reunification: everyone who sees the incident sees the board (names need the roster);
    # checking adults in and each request are for staff who see guardians (the front desk, the
    # administrators, counsellors, the SRO). Posted without their fields: back with the error.
    "emergencies:reunification": Route(
        lambda w: f"/emergencies/{_incident(w)}/reunification/", "teacher", "auditor", 404
    ),
    "emergencies:reunification_board": Route(
        lambda w: f"/emergencies/{_incident(w)}/reunification/board.json",
        "teacher",
        "auditor",
        404,
    ),
    "emergencies:reunification_check_in": Route(
        lambda w: f"/emergencies/{_incident(w)}/reunification/check-in/",
        "frontdesk",
        "teacher",
        404,
        without=403,
    ),
    "emergencies:reunification_request": Route(
        world_reunification_request, "frontdesk", "teacher", 404
    ),
    **{
        f"emergencies:reunification_{action}": Route(
            lambda w, action=action: f"{world_reunification_request(w)}{action}/",
            "frontdesk",
            "teacher",
            404,
            "post",
            302,
        )
        for action in ("runner", "release", "refuse")
    },
    # Roll call: the teacher's only class opens at once; a class that is not theirs is a 403 for
    # staff who see it (the front desk), incident command reports for any class.
    "emergencies:roll_call": Route(
        lambda w: f"/emergencies/{_incident(w)}/roll-call/", "teacher", "auditor", 404, ok=302
    ),
    "emergencies:roll_call_section": Route(
        lambda w: f"/emergencies/{_incident(w)}/roll-call/{_section(w)}/",
        "teacher",
        "frontdesk",
        404,
        without=403,
    ),
    "emergencies:accountability": Route(
        lambda w: f"/emergencies/{_incident(w)}/accountability/", "teacher", "auditor", 404
    ),
    "emergencies:accountability_json": Route(
        lambda w: f"/emergencies/{_incident(w)}/accountability.json", "teacher", "auditor", 404
    ),
    "emergencies:visitors": Route(
        lambda w: f"/emergencies/{_incident(w)}/visitors/", "frontdesk", "teacher", 404, without=403
    ),
    "emergencies:report_pdf": Route(
        lambda w: f"/emergencies/{_incident(w)}/report.pdf",
        "principal",
        "teacher",
        404,
        without=403,
    ),
    "emergencies:report_csv": Route(
        lambda w: f"/emergencies/{_incident(w)}/report.csv",
        "principal",
        "teacher",
        404,
        without=403,
    ),
    # Triage: the outsider (a counsellor at Riverside) reviews Riverside's signals, not Northside's.
    "triage:review": Route(lambda w: "/triage/review/", "counselor", "teacher", 200),
    "triage:team": Route(lambda w: "/triage/team/", "sro", "teacher", 200),
    "triage:signal": Route(lambda w: f"/triage/signals/{_signal(w)}/", "counselor", "teacher", 404),
    "triage:confirm": Route(
        lambda w: f"/triage/signals/{_signal(w)}/confirm/", "counselor", "teacher", 404, "post", 302
    ),
    # Without a reason the signal's page comes back with the error next to the field.
    "triage:dismiss": Route(
        lambda w: f"/triage/signals/{_signal(w)}/dismiss/", "counselor", "teacher", 404, "post", 200
    ),
    "triage:quality": Route(lambda w: "/triage/quality/", "admin", "principal", 404),
    "triage:settings": Route(lambda w: "/triage/settings/", "admin", "principal", 404),
    # Server-sent events; under the test client the stream returns its catch-up and ends.
    "alert_stream": Route(
        lambda w: "/api/v1/alerts/stream?school=northside-high", "teacher", "auditor", 404, api=True
    ),
    # Visitors: the front desk (and the school's administrators and SRO, who see screenings).
    "visitors:on_site": Route(lambda w: "/visitors/", "frontdesk", "teacher", 404),
    "visitors:check_in": Route(lambda w: "/visitors/check-in/", "frontdesk", "teacher", 404),
    "visitors:scan": Route(lambda w: "/visitors/scan/", "frontdesk", "teacher", 404),
    "visitors:log": Route(lambda w: "/visitors/log/", "frontdesk", "teacher", 404),
    "visitors:export": Route(lambda w: "/visitors/log.csv", "frontdesk", "teacher", 404),
    "visitors:expected": Route(lambda w: "/visitors/expected/", "frontdesk", "teacher", 404),
    "visitors:expected_cancel": Route(
        lambda w: f"/visitors/expected/{world_expected(w)}/cancel/",
        "frontdesk",
        "teacher",
        404,
        "post",
        302,
    ),
    "visitors:watchlist": Route(lambda w: "/visitors/watchlist/", "frontdesk", "teacher", 404),
    "visitors:watchlist_new": Route(
        lambda w: "/visitors/watchlist/new/", "principal", "teacher", 404
    ),
    "visitors:watchlist_edit": Route(
        lambda w: f"/visitors/watchlist/{world_entry(w)}/", "principal", "teacher", 404
    ),
    # The front desk's list of lobby kiosks (enrol, revoke); the kiosk's own pages are in PUBLIC.
    "visitors:kiosks": Route(lambda w: "/visitors/kiosks/", "frontdesk", "teacher", 404),
    "visitors:kiosk_revoke": Route(
        lambda w: f"/visitors/kiosks/{world_kiosk(w)}/revoke/",
        "frontdesk",
        "teacher",
        404,
        "post",
        302,
    ),
    "visitors:visit": Route(lambda w: f"/visitors/{world_visit(w)}/", "frontdesk", "teacher", 404),
    "visitors:status": Route(
        lambda w: f"/visitors/{world_visit(w)}/status/", "frontdesk", "teacher", 404
    ),
    # A clear visit needs no decision: back to the visit with a message.
    "visitors:decide": Route(
        lambda w: f"/visitors/{world_visit(w)}/decide/", "frontdesk", "teacher", 404, "post", 302
    ),
    "visitors:sign_out": Route(
        lambda w: f"/visitors/{world_visit(w)}/sign-out/",
        "frontdesk",
        "teacher",
        404,
        "post",
        302,
    ),
    "visitors:frequent": Route(
        lambda w: f"/visitors/{world_visit(w)}/frequent/", "frontdesk", "teacher", 404, "post", 302
    ),
    "visitors:badge": Route(
        lambda w: f"/visitors/{world_visit(w)}/badge.pdf", "frontdesk", "teacher", 404
    ),
    "visitors:photo": Route(
        lambda w: f"/visitors/{world_visit(w)}/photo.jpg", "frontdesk", "teacher", 404
    ),
    # Volunteers: the coordinator's pages for one eligible Northside volunteer (world_volunteer);
    # a form posted empty comes back with its errors (400), one-button actions redirect (302).
    "volunteers:list": Route(lambda w: "/volunteers/", "coordinator", "teacher", 404),
    "volunteers:detail": Route(
        lambda w: f"/volunteers/{world_volunteer(w)}/", "coordinator", "teacher", 404
    ),
    # Already approved: approving again is refused next to the form.
    "volunteers:approve": Route(
        lambda w: f"/volunteers/{world_volunteer(w)}/approve/",
        "coordinator",
        "teacher",
        404,
        "post",
        400,
    ),
    "volunteers:decline": Route(
        lambda w: f"/volunteers/{world_volunteer(w)}/decline/",
        "coordinator",
        "teacher",
        404,
        "post",
        400,
    ),
    "volunteers:rescreen": Route(
        lambda w: f"/volunteers/{world_volunteer(w)}/screen/",
        "coordinator",
        "teacher",
        404,
        "post",
        302,
    ),
    "volunteers:check": Route(
        lambda w: f"/volunteers/{world_volunteer(w)}/check/",
        "coordinator",
        "teacher",
        404,
        "post",
        400,
    ),
    "volunteers:record_training": Route(
        lambda w: f"/volunteers/{world_volunteer(w)}/training/",
        "coordinator",
        "teacher",
        404,
        "post",
        400,
    ),
    # The link is shown once, on the volunteer's page (200).
    "volunteers:signup_link": Route(
        lambda w: f"/volunteers/{world_volunteer(w)}/sign-up-link/",
        "coordinator",
        "teacher",
        404,
        "post",
        200,
    ),
    "volunteers:opportunities": Route(
        lambda w: "/volunteers/opportunities/", "coordinator", "teacher", 404
    ),
    "volunteers:opportunity": Route(
        lambda w: f"/volunteers/opportunities/{world_opportunity(w)}/",
        "coordinator",
        "teacher",
        404,
    ),
    "volunteers:sign_up": Route(
        lambda w: f"/volunteers/opportunities/{world_opportunity(w)}/sign-up/",
        "coordinator",
        "teacher",
        404,
        "post",
        400,
    ),
    # Posted without a reason: refused next to the form.
    "volunteers:cancel_opportunity": Route(
        lambda w: f"/volunteers/opportunities/{world_opportunity(w)}/cancel/",
        "coordinator",
        "teacher",
        404,
        "post",
        400,
    ),
    "volunteers:cancel_sign_up": Route(
        lambda w: f"/volunteers/sign-ups/{world_signup(w)}/cancel/",
        "coordinator",
        "teacher",
        404,
        "post",
        302,
    ),
    "volunteers:training": Route(lambda w: "/volunteers/training/", "coordinator", "teacher", 404),
    "volunteers:change_training": Route(
        lambda w: f"/volunteers/training/{_training_type(w)}/", "coordinator", "teacher", 404
    ),
    "volunteers:hours": Route(lambda w: "/volunteers/hours/", "coordinator", "teacher", 404),
    "volunteers:hours_export": Route(
        lambda w: "/volunteers/hours.csv", "coordinator", "teacher", 404
    ),
    # Cases: the team's pages for one Northside case (made by _case); a form posted empty comes
    # back with its errors (200) or, for one-button actions, redirects to the case (302).
    "cases:list": Route(lambda w: "/cases/", "counselor", "teacher", 200),
    "cases:refer": Route(lambda w: "/cases/refer/", "teacher", None, 200),
    "cases:referred": Route(lambda w: "/cases/refer/sent/", "teacher", None, 200),
    "cases:referrals": Route(lambda w: "/cases/referrals/", "counselor", "teacher", 200),
    # Without a reason the inbox comes back with the error (a redirect, nothing dismissed).
    "cases:dismiss": Route(
        lambda w: (
            "/cases/referrals/"
            f"{w['maya'].school.referrals.create(concern='x', referred_by=w['teacher']).pk}"
            "/dismiss/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
        302,
    ),
    # A teacher has no part in cases (404); the form posted empty comes back with its errors.
    "cases:new": Route(lambda w: "/cases/new/", "principal", "teacher", 200, "post", 200),
    "cases:case": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/", "counselor", "teacher", 404
    ),
    "cases:add_note": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/notes/clinical/",
        "counselor",
        "teacher",
        404,
        "post",
    ),
    "cases:publish": Route(
        lambda w: (
            f"/cases/{_case(w).rsplit('/', 1)[1]}/notes/"
            f"{w['case'].notes.create(compartment='clinical', author=w['counselor'], body='x').pk}"
            "/publish/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
        302,
    ),
    "cases:break_glass": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/break-glass/law_enforcement/",
        "counselor",
        "teacher",
        404,
    ),
    "cases:message": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/messages/",
        "counselor",
        "teacher",
        404,
        "post",
    ),
    "cases:add_task": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/tasks/", "counselor", "teacher", 404, "post"
    ),
    "cases:start_assessment": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/assessments/start/",
        "counselor",
        "teacher",
        404,
        "post",
        302,
    ),
    "cases:assessment": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/assessments/{w['assessment'].pk}/",
        "counselor",
        "teacher",
        404,
    ),
    # Saved blank, the step stays open and the page is shown again (a redirect).
    "cases:save_step": Route(
        lambda w: (
            f"/cases/{_case(w).rsplit('/', 1)[1]}/assessments/{w['assessment'].pk}/steps/evaluate/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
        302,
    ),
    # Without a status the checklist comes back with the error.
    "cases:settle_action": Route(
        lambda w: (
            f"/cases/{_case(w).rsplit('/', 1)[1]}/assessments/{w['assessment'].pk}/actions/"
            f"{w['assessment'].records.order_by('pk').first().actions.first().pk}/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
    ),
    # Posted without answers, the screener and the pathway form come back with the refusal.
    "cases:screening": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/screening/",
        "counselor",
        "teacher",
        404,
        "post",
    ),
    "cases:pathway": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/pathway/",
        "counselor",
        "teacher",
        404,
        "post",
    ),
    "cases:export": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/export.pdf", "counselor", "teacher", 404
    ),
    "cases:equity": Route(lambda w: "/cases/equity/", "admin", "principal", 404),
    "cases:plan": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/plan/", "counselor", "teacher", 404
    ),
    "cases:add_plan_item": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/plan/items/",
        "counselor",
        "teacher",
        404,
        "post",
    ),
    "cases:settle_plan_item": Route(
        lambda w: (
            f"/cases/{_case(w).rsplit('/', 1)[1]}/plan/items/"
            + str(
                w["case"]
                .plan_items.create(
                    kind="support",
                    description="Check-in",
                    owner=w["counselor"],
                    due_on=w["case"].opened_at.date(),
                )
                .pk
            )
            + "/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
    ),
    "cases:schedule_review": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/plan/reviews/",
        "counselor",
        "teacher",
        404,
        "post",
    ),
    "cases:record_review": Route(
        lambda w: (
            f"/cases/{_case(w).rsplit('/', 1)[1]}/plan/reviews/"
            f"{w['case'].reviews.create(due_on=w['case'].opened_at.date()).pk}/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
    ),
    # Closing without the criteria, or reopening an open case: the page shows the refusal.
    "cases:close": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/close/", "principal", "teacher", 404, "post"
    ),
    "cases:reopen": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/reopen/",
        "principal",
        "teacher",
        404,
        "post",
    ),
    "cases:complete_task": Route(
        lambda w: (
            f"/cases/{_case(w).rsplit('/', 1)[1]}/tasks/"
            f"{w['case'].tasks.create(title='Call home', created_by=w['principal']).pk}/done/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
        302,
    ),
    "cases:update": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/edit/", "counselor", "teacher", 404
    ),
    # Saved with nobody ticked, the team page comes back with "at least one member".
    "cases:team": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/team/",
        "principal",
        "teacher",
        404,
        "post",
    ),
    "cases:timeline": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/timeline/", "counselor", "teacher", 404
    ),
    "cases:document": Route(_case_document, "counselor", "teacher", 404),
    # Posted without a file, the case page comes back with the form's error.
    "cases:add_document": Route(
        lambda w: f"/cases/{_case(w).rsplit('/', 1)[1]}/documents/clinical/",
        "counselor",
        "teacher",
        404,
        "post",
    ),
    # The step is not closed: the assessment page shows the refusal.
    "cases:reopen_step": Route(
        lambda w: (
            f"/cases/{_case(w).rsplit('/', 1)[1]}/assessments/{w['assessment'].pk}"
            "/steps/evaluate/reopen/"
        ),
        "counselor",
        "teacher",
        404,
        "post",
    ),
}

API: dict[str, Route] = {
    "api:me": Route(lambda w: "/api/v1/me", "teacher", None, 200, api=True),
    "api:schools": Route(lambda w: "/api/v1/schools", "teacher", None, 200, api=True),
    "api:students": Route(
        lambda w: "/api/v1/students", "counselor", "coordinator", 200, api=True, without=200
    ),
    "api:student": Route(
        lambda w: f"/api/v1/students/{_student(w)}", "counselor", "coordinator", 404, api=True
    ),
    "api:sections": Route(
        lambda w: "/api/v1/sections", "teacher", "coordinator", 200, api=True, without=200
    ),
    "api:events": Route(lambda w: "/api/v1/audit", "auditor", "principal", 404, api=True),
    "api:tips": Route(lambda w: "/api/v1/tips", "counselor", "teacher", 200, api=True, without=200),
    "api:tip": Route(lambda w: f"/api/v1/tips/{_tip(w).pk}", "counselor", "teacher", 404, api=True),
    "api:tip_acknowledge": Route(
        lambda w: f"/api/v1/tips/{_tip(w).pk}/acknowledge",
        "counselor",
        "teacher",
        404,
        "post",
        api=True,
    ),
    # Access is checked before the body is read: with the table's form body, a responder gets
    # past it to the 422 that names the missing field; everyone else gets the 404.
    "api:tip_messages": Route(
        lambda w: f"/api/v1/tips/{_tip(w).pk}/messages",
        "counselor",
        "teacher",
        404,
        "post",
        422,
        api=True,
    ),
    "api:tip_close": Route(
        lambda w: f"/api/v1/tips/{_tip(w).pk}/close",
        "counselor",
        "teacher",
        404,
        "post",
        422,
        api=True,
    ),
    "api:incidents": Route(
        lambda w: "/api/v1/incidents", "teacher", "auditor", 200, api=True, without=200
    ),
    "api:incident": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}", "teacher", "auditor", 404, api=True
    ),
    "api:incident_cap": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}/cap.xml", "teacher", "auditor", 404, api=True
    ),
    "api:incident_acknowledge": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}/acknowledge",
        "teacher",
        "auditor",
        404,
        "post",
        200,
        api=True,
    ),
    # A typed JSON body, read before the endpoint runs: the table's form body is a 400 for everyone
    # signed in (tests/emergencies/test_updates_api.py tries real bodies as each person).
    "api:incident_updates": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}/updates",
        "principal",
        "teacher",
        400,
        "post",
        400,
        api=True,
        without=400,
    ),
    "api:incident_all_clear": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}/all-clear",
        "principal",
        "teacher",
        404,
        "post",
        200,
        api=True,
        without=403,
    ),
    # The releases of an incident: staff who see guardians; the teacher sees the incident (403).
    "api:incident_releases": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}/releases",
        "frontdesk",
        "teacher",
        404,
        api=True,
        without=403,
    ),
    # Access is checked before the body is read: the table's form body is a 422 for the teacher.
    "api:incident_roll_call": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}/roll-call",
        "teacher",
        "auditor",
        404,
        "post",
        422,
        api=True,
    ),
    "api:incident_accountability": Route(
        lambda w: f"/api/v1/incidents/{_incident(w)}/accountability",
        "teacher",
        "auditor",
        404,
        api=True,
    ),
    # A monitoring tool's service account (an administrator's role) submits; nobody else may, and
    # access is checked before the body: the table's form body is a 422 for the submitter.
    "api:signal_submit": Route(
        lambda w: "/api/v1/signals", "principal", "teacher", 403, "post", 422, api=True, without=403
    ),
    "api:signals": Route(
        lambda w: "/api/v1/signals", "counselor", "teacher", 200, api=True, without=200
    ),
    "api:signal": Route(
        lambda w: f"/api/v1/signals/{_signal(w)}", "counselor", "teacher", 404, api=True
    ),
    "api:signal_review": Route(
        lambda w: f"/api/v1/signals/{_signal(w)}/review",
        "counselor",
        "teacher",
        404,
        "post",
        422,
        api=True,
    ),
    # Staff who read tips or cases, and integrations; the outsider is staff too (422: no text).
    "api:triage_classify": Route(
        lambda w: "/api/v1/triage/classify",
        "counselor",
        "coordinator",
        422,
        "post",
        422,
        api=True,
        without=403,
    ),
    # Cases: the reads. tests/cases/test_permission_matrix.py tries every case endpoint with real
    # JSON bodies as every person and in every compartment.
    "api:cases": Route(
        lambda w: _case(w, "").rsplit("/", 1)[0], "counselor", "teacher", 200, api=True, without=200
    ),
    "api:case": Route(lambda w: _case(w), "counselor", "teacher", 404, api=True),
    "api:case_timeline": Route(lambda w: _case(w, "/timeline"), "sro", "teacher", 404, api=True),
    "api:case_notes": Route(
        lambda w: _case(w, "/notes?compartment=clinical"), "counselor", "sro", 404, api=True
    ),
    "api:case_screenings": Route(
        lambda w: _case(w, "/screenings"), "principal", "teacher", 404, api=True
    ),
    "api:case_pathway": Route(lambda w: _case(w, "/pathway"), "sro", "teacher", 404, api=True),
    "api:case_assessments": Route(
        lambda w: _case(w, "/assessments"), "principal", "frontdesk", 404, api=True
    ),
    "api:case_plan": Route(lambda w: _case(w, "/plan"), "principal", "teacher", 404, api=True),
    "api:case_messages": Route(
        lambda w: _case(w, "/messages"), "counselor", "team_member", 404, api=True
    ),
    "api:case_referrals": Route(
        lambda w: "/api/v1/cases/referrals", "counselor", "frontdesk", 200, api=True, without=200
    ),
    # No body: access first. The open step needs its answers, so the team member gets a 422.
    "api:case_step_close": Route(
        lambda w: _case(w) + f"/assessments/{w['assessment'].pk}/steps/evaluate/close",
        "counselor",
        "teacher",
        404,
        "post",
        422,
        api=True,
    ),
    # The writes take a typed JSON body, which django-ninja reads before the endpoint runs: the
    # table's form body is a 400 for everyone signed in (no record is looked up, so nothing leaks).
    **{
        f"api:{name}": Route(
            partial(_case, part=part),
            "counselor",
            "teacher",
            400,
            "post",
            400,
            api=True,
            without=400,
        )
        for name, part in {
            "case_team": "/team",
            "case_close": "/close",
            "case_reopen": "/reopen",
            "case_note_create": "/notes",
            "case_note_publish": "/notes/1/summary",
            "case_break_glass": "/break-glass",
            "case_screening_create": "/screenings",
            "case_pathway_create": "/pathway",
            "case_assessment_create": "/assessments",
            "case_step_update": "/assessments/1/steps/evaluate",
            "case_action": "/actions/1",
            "case_plan_item": "/plan/items",
            "case_plan_item_status": "/plan/items/1",
            "case_review": "/reviews",
            "case_review_record": "/reviews/1",
            "case_message_create": "/messages",
        }.items()
    },
    **{
        f"api:{name}": Route(
            partial(_same, path),
            "counselor",
            "teacher",
            400,
            "post",
            400,
            api=True,
            without=400,
        )
        for name, path in {
            "case_create": "/api/v1/cases",
            "case_referral_create": "/api/v1/cases/referrals",
            "case_referral_dismiss": "/api/v1/cases/referrals/1/dismiss",
        }.items()
    },
    # Visitors: access is checked before the body is read (the table's form body is a 422).
    "api:visits": Route(lambda w: "/api/v1/visits", "frontdesk", "teacher", 404, api=True),
    "api:visit": Route(
        lambda w: f"/api/v1/visits/{world_visit(w)}", "frontdesk", "teacher", 404, api=True
    ),
    "api:visit_sign_out": Route(
        lambda w: f"/api/v1/visits/{world_visit(w)}/sign-out",
        "frontdesk",
        "teacher",
        404,
        "post",
        api=True,
    ),
    "api:visit_review": Route(
        lambda w: f"/api/v1/visits/{world_visit(w)}/review",
        "frontdesk",
        "teacher",
        404,
        "post",
        422,
        api=True,
    ),
    "api:id_parse": Route(
        lambda w: "/api/v1/id/parse", "frontdesk", "teacher", 404, "post", 422, api=True
    ),
    "api:volunteers": Route(
        lambda w: "/api/v1/volunteers", "coordinator", "teacher", 404, api=True
    ),
    "api:volunteer": Route(
        lambda w: f"/api/v1/volunteers/{world_volunteer(w)}",
        "coordinator",
        "teacher",
        404,
        api=True,
    ),
    "api:volunteer_hours": Route(
        lambda w: "/api/v1/volunteers/hours", "coordinator", "teacher", 404, api=True
    ),
    # The screening router parses its body before asking for access: a form body is a 400 for
    # everyone signed in (a JSON body from someone without the role is a 404: its own tests).
    "api:screenings": Route(
        lambda w: "/api/v1/screenings",
        "frontdesk",
        "teacher",
        400,
        "post",
        400,
        api=True,
        without=400,
    ),
}

#: Reachable without signing in, on purpose.
PUBLIC = {
    "healthz",
    "accounts:login",
    "set_language",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    # The sign-in steps themselves: they require a signed-in user and redirect anyone else.
    "accounts:verify",
    "accounts:enroll",
    # The Web Push service worker: a static script, served at the root for its scope.
    "service_worker",
    # The tip line's reporter pages: anonymous on purpose (tests/tips/test_pages.py).
    "report:report",
    "report:report_school",
    "report:follow_up",
    # The tip line's public API: submission and follow-up with the receipt (tests/tips/test_api.py).
    "api:public_tip_submit",
    "api:public_tip_mine",
    "api:public_tip_message",
    # The lobby kiosk's pages: reached with a kiosk's credential (a device the front desk
    # enrolled), never a staff session (tests/visitors/test_kiosk.py).
    "visitors:kiosk_enrol",
    "visitors:kiosk",
    "visitors:kiosk_done",
    "visitors:kiosk_badge",
    # The public volunteer application (tests/volunteers/test_pages.py).
    "volunteer:apply",
    # A volunteer's opportunities, opened with their private code (tests/volunteers/test_links.py).
    "volunteer:shifts",
}


def _route_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":  # superusers only, behind the same sign-in
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_in_the_permission_table():
    routes = _route_names(get_resolver().url_patterns)
    missing = routes - set(PAGES) - set(API) - PUBLIC
    assert not missing, f"add these routes to tests/test_permissions.py: {sorted(missing)}"
    stale = (set(PAGES) | set(API) | PUBLIC) - routes
    assert not stale, f"the table names routes that no longer exist: {sorted(stale)}"


TABLE = {**PAGES, **API}


def _call(client: Any, route: Route, world: dict[str, Any]):
    url = route.url(world)
    if route.method == "post":
        return client.post(url, {"next": "/"})
    return client.get(url)


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_anonymous_is_sent_to_sign_in(client, world, name):
    route = TABLE[name]
    response = _call(client, route, world)
    if route.api:
        assert response.status_code == 401
        assert "detail" in response.json()
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize("name", sorted(TABLE))
def test_outsider_from_the_other_school(world, name):
    route = TABLE[name]
    response = _call(signed_in(world["outsider"]), route, world)
    assert response.status_code == route.outsider


@pytest.mark.parametrize("name", sorted(n for n, r in TABLE.items() if r.member_without))
def test_member_without_the_role_sees_nothing(world, name):
    route = TABLE[name]
    response = _call(signed_in(world[route.member_without]), route, world)
    assert response.status_code == route.without
    if route.without == 200:
        assert response.json() == []


@pytest.mark.parametrize("name", sorted(TABLE))
def test_member_with_the_role_gets_in(world, name):
    route = TABLE[name]
    response = _call(signed_in(world[route.member_with]), route, world)
    assert response.status_code == route.ok


@pytest.mark.parametrize("name", ["core:students", "api:students", "core:sections", "api:sections"])
def test_outsider_lists_never_show_the_other_schools_students(world, name):
    body = _call(signed_in(world["outsider"]), TABLE[name], world).content.decode()
    assert "Maya" not in body and "Brooks" not in body
