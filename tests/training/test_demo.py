"""The demo district's training: requirements for every role and a realistic mix of statuses."""

from __future__ import annotations

from collections import Counter

from haven.accounts.models import Role, RoleAssignment
from haven.core.models import School
from haven.home import demo
from haven.training import services
from haven.training import status as st
from haven.training.models import Assignment, Completion, Requirement


def test_the_demo_has_every_role_assigned_and_a_mix_of_statuses(db):
    demo.load()
    rows = services.rows_for(Assignment.objects.select_related("requirement", "user"))
    statuses = Counter(r.standing.status for r in rows)
    for status in (st.DONE, st.OVERDUE, st.EXPIRING, st.IN_PROGRESS, st.NOT_STARTED):
        assert statuses[status] > 0, statuses
    roles = set(RoleAssignment.objects.values_list("role", flat=True)) - {Role.AUDITOR}
    assert set(Assignment.objects.values_list("role", flat=True)) == roles
    by_user = {
        (r.assignment.user.username, r.assignment.requirement.module.slug): r.standing for r in rows
    }
    assert by_user[("teacher", "pathway-to-violence")].status == st.OVERDUE
    assert by_user[("counselor", "suicide-warning-signs")].status == st.EXPIRING
    assert by_user[("principal", "pathway-to-violence")].status == st.DONE
    assert by_user[("sro", "standard-response-protocol")].status == st.DONE  # attended in person
    # Each school's dashboard shows people done with everything, not an empty bar.
    for school in School.objects.all():
        assert sum(c.done for c in services.per_role(services.school_rows(school))) > 0, school
    # The state-style examples are there, switched off until the district reviews them.
    examples = Requirement.objects.filter(name__startswith="Example")
    assert examples.count() == 4 and not examples.filter(active=True).exists()
    counts = (Assignment.objects.count(), Completion.objects.count())
    demo.load()
    assert (Assignment.objects.count(), Completion.objects.count()) == counts
