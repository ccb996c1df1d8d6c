"""The whole demo district: the roster and its people (``haven.core.demo``), then each feature's
demo on top, in the order they depend on one another. Deterministic and idempotent, like each part;
refused in production (``haven.core.demo.DemoRefused``)."""

from __future__ import annotations

from django.core.management import call_command
from django.db import transaction

from haven.cases import demo as cases_demo
from haven.core import demo as core_demo
from haven.emergencies import demo as emergencies_demo
from haven.tips import demo as tips_demo
from haven.training import demo as training_demo
from haven.visitors import demo as visitors_demo
from haven.volunteers import demo as volunteers_demo


@transaction.atomic
def load() -> dict[str, int]:
    """Create or complete the demo district. Returns counts of what exists afterwards."""
    district = core_demo.load_district()
    tips = tips_demo.load(district)  # after the users: the demo tips are answered by them
    cases_demo.load()  # after the users: they are the cases' teams
    visitors_demo.load(district)  # after the users: the front desk checks in
    volunteers_demo.load(district)  # after visitors: volunteers check in
    emergencies_demo.load(district)  # after the roster and the users
    training_demo.load(district)  # after the users: they are the learners
    # The tips demo back-dates its tips with QuerySet.update (no save): the reports' figures are
    # rebuilt by name (home may not import reports, both being on the top floor).
    call_command("report_figures", verbosity=0)
    return {**core_demo.counts(district), "tips": tips}
