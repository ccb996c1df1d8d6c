"""THE access policy. Every decision about who may see or do what is made here: roles (held per
school or district-wide) x compartments x school scope, plus break-glass grants.

Views, API endpoints, the CLI, exports and the admin ask this package (``from haven.access import
policy``); nothing else decides.

* :func:`has_perm` — may this user do ``perm`` (at this school)?
* :func:`schools_for` — the schools where the user holds ``perm``.
* :func:`visible_to` — a queryset narrowed to what the user may see. Callers answer 404 for what is
  not in it, so a missing record and a forbidden one look the same.
* :func:`can_open_compartment` — role-based or through an active break-glass grant.
* Cases: :func:`can_see_case`, :func:`case_compartments` (what may be read),
  :func:`can_write_compartment`, :func:`may_manage_case` and the other ``may_*`` questions.

It is one policy kept in several modules; everything public is re-exported here, so callers
never import a module of the package directly:

* ``core`` — :class:`Perm`, :data:`ROLE_PERMS`, memberships and their cache, :func:`has_perm`,
  :func:`school_q` / :func:`school_ids_for` / :func:`schools_for`, the :func:`scope` registry and
  :func:`visible_to`.
* ``compartments`` — who owns a compartment, who may open one now, break-glass.
* ``recipients`` — who holds a permission (whom to alert or tell).
* ``reports`` — who sees which schools' aggregate figures (:func:`report_q`).
* One module per area with its models' scopes (``@scope("app.model")``) and its ``may_*`` rules:
  ``roster``, ``tips``, ``cases``, ``visitors`` (with screening and kiosks), ``emergencies``
  (incidents, drills, roll call, reunification), ``volunteers``, ``triage``, ``audit``,
  ``accounts`` (who manages another person's sign-in), ``training``. A new app adds its
  scopes and rules in a module of its own here, imported below so that its scopes register when
  the policy is imported.
"""

# Areas with scopes only: imported so that their scopes register.
from haven.access.policy import audit, roster, tips  # noqa: F401
from haven.access.policy.accounts import may_manage_sign_in
from haven.access.policy.cases import (
    can_read_compartment,
    can_see_case,
    can_write_compartment,
    case_compartments,
    case_part_q,
    case_q,
    equity_districts,
    may_break_glass_into_case,
    may_handle_referral,
    may_join_case_team,
    may_manage_case,
    may_open_case,
    may_publish_summary,
    may_refer,
    may_see_equity,
)
from haven.access.policy.compartments import (
    COMPARTMENT_PERM,
    active_grant,
    can_open_compartment,
    compartment_owners,
    may_break_glass,
    owns_compartment,
)
from haven.access.policy.core import (
    ROLE_PERMS,
    SECOND_FACTOR_PERMS,
    Actor,
    Perm,
    Scope,
    district_wide,
    districts_of,
    forget,
    get_visible_or_404,
    has_perm,
    perms_for_role,
    requires_second_factor,
    roles,
    school_ids_for,
    school_q,
    schools_for,
    scope,
    visible_to,
)
from haven.access.policy.emergencies import (
    may_account_visitors,
    may_acknowledge,
    may_command,
    may_decide_held_release,
    may_download_after_action,
    may_manage_drills,
    may_raise_district_wide,
    may_report_roll_call,
    may_reunify,
    may_see_accountability_names,
)
from haven.access.policy.recipients import (
    auditors,
    district_admins,
    holders,
    role_holdings,
    school_holders,
    users_with_perm,
    who_may_see,
)
from haven.access.policy.reports import (
    REPORT_PERMS,
    may_see_report,
    report_districts,
    report_q,
    report_schools,
)
from haven.access.policy.training import (
    may_extend_training_due,
    may_oversee_training,
    may_see_training_record,
    may_take_training,
)
from haven.access.policy.triage import may_classify, may_review_signal
from haven.access.policy.visitors import (
    MatchSight,
    match_sight,
    may_check_in,
    may_decide_screening,
    may_manage_kiosks,
    may_manage_watchlist,
    may_see_custody_matches,
    may_see_screening,
    may_see_screening_matches,
)
from haven.access.policy.volunteers import (
    may_answer_volunteer_screening,
    may_manage_training,
    may_manage_volunteer,
    volunteer_screening_deciders,
)

__all__ = [
    "COMPARTMENT_PERM",
    "REPORT_PERMS",
    "ROLE_PERMS",
    "SECOND_FACTOR_PERMS",
    "Actor",
    "MatchSight",
    "Perm",
    "Scope",
    "active_grant",
    "auditors",
    "can_open_compartment",
    "can_read_compartment",
    "can_see_case",
    "can_write_compartment",
    "case_compartments",
    "case_part_q",
    "case_q",
    "compartment_owners",
    "district_admins",
    "district_wide",
    "districts_of",
    "equity_districts",
    "forget",
    "get_visible_or_404",
    "has_perm",
    "holders",
    "match_sight",
    "may_account_visitors",
    "may_acknowledge",
    "may_answer_volunteer_screening",
    "may_break_glass",
    "may_break_glass_into_case",
    "may_check_in",
    "may_classify",
    "may_command",
    "may_decide_held_release",
    "may_decide_screening",
    "may_download_after_action",
    "may_extend_training_due",
    "may_handle_referral",
    "may_join_case_team",
    "may_manage_case",
    "may_manage_drills",
    "may_manage_kiosks",
    "may_manage_sign_in",
    "may_manage_training",
    "may_manage_volunteer",
    "may_manage_watchlist",
    "may_open_case",
    "may_oversee_training",
    "may_publish_summary",
    "may_raise_district_wide",
    "may_refer",
    "may_report_roll_call",
    "may_reunify",
    "may_review_signal",
    "may_see_accountability_names",
    "may_see_custody_matches",
    "may_see_equity",
    "may_see_report",
    "may_see_screening",
    "may_see_screening_matches",
    "may_see_training_record",
    "may_take_training",
    "owns_compartment",
    "perms_for_role",
    "report_districts",
    "report_q",
    "report_schools",
    "requires_second_factor",
    "role_holdings",
    "roles",
    "school_holders",
    "school_ids_for",
    "school_q",
    "schools_for",
    "scope",
    "users_with_perm",
    "visible_to",
    "volunteer_screening_deciders",
    "who_may_see",
]
