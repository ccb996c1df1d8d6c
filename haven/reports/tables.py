"""Each report's figures as titled tables — what a page shows beside its charts, what each CSV
download holds and what the PDF prints. One definition, so that the three always agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from haven.accounts.models import role_label
from haven.cases.models import CaseType, Source
from haven.cases.models import Status as CaseStatus
from haven.tips.models import Category, Disposition


@dataclass
class Table:
    slug: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    #: Which column the chart draws (None: a table without a chart).
    chart_column: int | None = 1
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chart_labels(self) -> list[str]:
        return [str(row[0]) for row in self.rows]

    @property
    def chart_values(self) -> list[Any]:
        column = self.chart_column or 0
        return [row[column] for row in self.rows]


def _blank(value: Any) -> Any:
    return "—" if value is None else value


def _school_names(schools: list[Any]) -> dict[str, str]:
    return {s.slug: s.name for s in schools}


def tip_tables(figures: dict[str, Any], schools: list[Any]) -> list[Table]:
    names = _school_names(schools)
    names[""] = _("District page (no school)")
    labels = dict(Category.choices)
    tables = [
        Table(
            "summary",
            _("Summary"),
            [_("Figure"), _("Value")],
            [
                [_("Tips"), figures["total"]],
                [_("Life-safety"), figures["life_safety"]],
                [_("Not life-safety"), figures["not_life_safety"]],
                [_("Online"), figures["online"]],
                [_("In person"), figures["in_person"]],
                [_("With files"), figures["with_files"]],
                [_("Tips per 1,000 students"), _blank(figures["per_1000_students"])],
                [_("Breached the school's limit"), figures["breaches"]],
                [_("Duplicates"), figures["duplicates"]],
                [
                    _("Share with a two-way dialogue"),
                    _blank(
                        None
                        if figures["dialogue_rate"] is None
                        else f"{figures['dialogue_rate'] * 100:.1f}%"
                    ),
                ],
                [_("Self-reports vs about others"), _("not recorded")],
            ],
            chart_column=None,
        ),
        Table(
            "by-category",
            _("Tips by category"),
            [_("Category"), _("Tips")],
            [[str(labels.get(k, k)), n] for k, n in figures["by_category"].items()],
        ),
        Table(
            "by-month",
            _("Tips by month"),
            [_("Month"), _("Tips")],
            [[month, n] for month, n in sorted(figures["by_month"].items())],
        ),
        Table(
            "by-school",
            _("Tips by school"),
            [_("School"), _("Tips"), _("Per 1,000 students")],
            [
                [
                    names.get(slug, slug),
                    n,
                    _blank(figures["per_1000_students_by_school"].get(slug)),
                ]
                for slug, n in sorted(figures["by_school"].items())
            ],
        ),
        Table(
            "time-to-acknowledge",
            _("Minutes to acknowledge"),
            [_("Tips"), _("Acknowledged"), _("Median (minutes)"), _("90th percentile (minutes)")],
            _time_rows(figures, labels, names),
            chart_column=2,
        ),
        Table(
            "time-to-close",
            _("Minutes to close"),
            [_("School"), _("Closed"), _("Median (minutes)"), _("90th percentile (minutes)")],
            [[_("All"), *_times(figures["time_to_close"])]]
            + [
                [names.get(k, k), *_times(v)] for k, v in figures["time_to_close_by_school"].items()
            ],
            chart_column=2,
        ),
        Table(
            "dispositions",
            _("How tips were closed"),
            [_("Disposition"), _("Tips")],
            [
                [str(label), figures["dispositions"].get(key, 0)]
                for key, label in Disposition.choices
            ],
        ),
        Table(
            "escalations",
            _("Escalations: the last on-call tier each tip reached"),
            [_("Tier"), _("Tips")],
            [
                [_("District") if tier == "99" else tier, n]
                for tier, n in figures["escalations_by_tier"].items()
            ],
        ),
        Table(
            "breaches",
            _("Tips that breached their school's limit"),
            [
                _("Tip"),
                _("School"),
                _("Category"),
                _("Life-safety"),
                _("Sent"),
                _("Minutes to acknowledge"),
                _("Limit (minutes)"),
            ],
            [
                [
                    f"#{row['tip']}",
                    names.get(row["school"], row["school"]),
                    str(labels.get(row["category"], row["category"])),
                    _("yes") if row["life_safety"] else _("no"),
                    row["created_at"],
                    row["minutes_to_acknowledge"]
                    if row["acknowledged"]
                    else f"{row['minutes_to_acknowledge']} ({_('waiting')})",
                    row["limit_minutes"],
                ]
                for row in figures["breaching_tips"]
            ],
            chart_column=None,
            note=_("The first %(n)d, life-safety first; the count above covers them all.")
            % {"n": len(figures["breaching_tips"])},
        ),
    ]
    return tables


def _times(found: dict[str, Any]) -> list[Any]:
    return [found["n"], _blank(found["median_minutes"]), _blank(found["p90_minutes"])]


def _time_rows(figures: dict[str, Any], labels: dict[str, Any], names: dict[str, str]) -> list:
    rows = [[_("All tips"), *_times(figures["time_to_acknowledge"])]]
    by_life = figures["time_to_acknowledge_by_life_safety"]
    for key, label in (
        ("life_safety", _("Life-safety")),
        ("not_life_safety", _("Not life-safety")),
    ):
        if key in by_life:
            rows.append([label, *_times(by_life[key])])
    for key, found in figures["time_to_acknowledge_by_category"].items():
        rows.append([str(labels.get(key, key)), *_times(found)])
    for key, found in figures["time_to_acknowledge_by_school"].items():
        rows.append([names.get(key, key), *_times(found)])
    return rows


def case_tables(figures: dict[str, Any], schools: list[Any]) -> list[Table]:
    names = _school_names(schools)
    classifications = {
        "transient": _("Transient"),
        "serious_substantive": _("Serious substantive"),
        "very_serious_substantive": _("Very serious substantive"),
    }
    equity_rows = []
    for row in figures["equity"]["groups"]:
        cells = []
        for measure in ("referral", "substantive"):
            cell = row[measure]
            if cell["suppressed"]:
                cells += [_("suppressed"), "", ""]
            else:
                cells += [cell["count"], cell["rate_per_1000"], _blank(cell["rate_ratio"])]
        equity_rows.append([row["value"] or _("no grade"), row["enrolled"], *cells])
    days = figures["days_open"]
    return [
        Table(
            "summary",
            _("Summary"),
            [_("Figure"), _("Value")],
            [
                [_("Cases opened"), figures["total"]],
                [_("Cases per 1,000 students"), _blank(figures["per_1000_students"])],
                [_("Staff referrals"), figures["staff_referrals"]["total"]],
                [_("Referrals that opened a case"), figures["staff_referrals"]["case_opened"]],
                [_("Not yet classified"), figures["unclassified"]],
                [_("Median days to close"), _blank(days["closed"]["median_days"])],
                [_("90th percentile days to close"), _blank(days["closed"]["p90_days"])],
                [_("Median days open (still open)"), _blank(days["still_open"]["median_days"])],
                [_("Outcome (no attempt, averted, occurred)"), _("not recorded")],
            ],
            chart_column=None,
        ),
        Table(
            "by-type",
            _("Cases by type"),
            [_("Type"), _("Cases")],
            [[str(label), figures["by_type"].get(key, 0)] for key, label in CaseType.choices],
        ),
        Table(
            "by-classification",
            _("Cases by CSTAG classification"),
            [_("Classification"), _("Cases")],
            [
                [str(label), figures["by_classification"][key]]
                for key, label in classifications.items()
            ],
        ),
        Table(
            "by-source",
            _("Cases by who referred"),
            [_("Source"), _("Cases")],
            [
                [str(label), figures["by_referral_source"].get(key, 0)]
                for key, label in Source.choices
            ],
        ),
        Table(
            "by-status",
            _("Cases by status"),
            [_("Status"), _("Cases")],
            [[str(label), figures["by_status"].get(key, 0)] for key, label in CaseStatus.choices],
        ),
        Table(
            "by-school",
            _("Cases by school"),
            [_("School"), _("Cases")],
            [[names.get(k, k), n] for k, n in sorted(figures["by_school"].items())],
        ),
        Table(
            "equity",
            _("Equity by grade: rates against enrolment"),
            [
                _("Grade"),
                _("Students"),
                _("Cases"),
                _("Cases per 1,000"),
                _("Rate ratio"),
                _("Substantive"),
                _("Substantive per 1,000"),
                _("Rate ratio"),
            ],
            equity_rows,
            chart_column=3,
            note=_(
                "Cells under %(n)d are suppressed. The rate ratio compares a grade with all other "
                "students. Not recorded by Haven, so not shown: race/ethnicity, sex, disability "
                "(IEP/504), English learners; suspensions and law-enforcement actions."
            )
            % {"n": figures["equity"]["threshold"]},
        ),
    ]


def drill_tables(figures: dict[str, Any]) -> list[Table]:
    labels = {
        "done": _("Done"),
        "scheduled": _("Scheduled"),
        "not_scheduled": _("Not scheduled"),
        "out_of_compliance": _("Out of compliance"),
    }
    return [
        Table(
            "by-status",
            _("Drill requirements by status"),
            [_("Status"), _("Requirements")],
            [[str(labels[k]), n] for k, n in figures["by_status"].items()],
        ),
        Table(
            "requirements",
            _("Each school against each requirement"),
            [
                _("School"),
                _("Requirement"),
                _("Required"),
                _("Done"),
                _("Scheduled"),
                _("Status"),
                _("Due by"),
                _("With after-action report"),
                _("Source"),
            ],
            [
                [
                    row["school_name"],
                    row["requirement"],
                    row["required"],
                    row["done"],
                    row["scheduled"],
                    str(labels[row["status"]]),
                    _blank(row["due"]),
                    row["with_after_action"],
                    row["source"],
                ]
                for row in figures["rows"]
            ],
            chart_column=None,
        ),
    ]


def tables_for(area: str, figures: dict[str, Any], schools: list[Any]) -> list[Table]:
    if area == "tips":
        return tip_tables(figures, schools)
    if area == "cases":
        return case_tables(figures, schools)
    if area == "visits":
        return visit_tables(figures, schools)
    if area == "training":
        return training_tables(figures)
    if area == "safe2tell":
        return colorado_tables(figures)
    if area == "safe2say":
        return pennsylvania_tables(figures)
    return drill_tables(figures)


def visit_tables(figures: dict[str, Any], schools: list[Any]) -> list[Table]:
    names = _school_names(schools)
    screening = figures["screening"]
    answers = {
        "yes": _("Yes, the same person"),
        "no": _("No, a different person"),
        "not_sure": _("Not sure"),
    }
    stay = figures["average_stay"]
    return [
        Table(
            "summary",
            _("Summary"),
            [_("Figure"), _("Value")],
            [
                [_("Visits"), figures["total"]],
                [_("Visitors"), figures["visitors"]],
                [_("Volunteers"), figures["volunteers"]],
                [_("Checked in at a kiosk"), figures["at_kiosk"]],
                [_("Average stay (minutes)"), _blank(stay["average_minutes"])],
                [_("Screening alerts"), screening["alerts"]],
                [_("No badge issued"), figures["refused"]],
                [_("Volunteer hours"), figures["volunteer_hours_total"]],
            ],
            chart_column=None,
        ),
        Table(
            "by-day",
            _("Visits by day"),
            [_("Day"), _("Visits")],
            [[day, n] for day, n in figures["by_day"].items()],
        ),
        Table(
            "by-school",
            _("Visits by school"),
            [_("School"), _("Visits"), _("Average stay (minutes)")],
            [
                [
                    names.get(slug, slug),
                    n,
                    _blank(figures["average_stay_by_school"].get(slug, {}).get("average_minutes")),
                ]
                for slug, n in figures["by_school"].items()
            ],
        ),
        Table(
            "by-reason",
            _("Visits by reason"),
            [_("Reason"), _("Visits")],
            [
                [_("Written by the desk") if key == "written_by_desk" else _(key), n]
                for key, n in figures["by_reason"].items()
            ],
        ),
        Table(
            "screening",
            _("Screening alerts and the desk's decisions"),
            [_("Figure"), _("Visits")],
            [
                [_("Possible match"), screening["possible_match"]],
                [_("Match"), screening["match"]],
                [_("Alerts from the registry"), screening["registry"]],
                [_("Alerts from a watchlist only"), screening["watchlist_only"]],
                *[
                    [
                        _("Desk's answer: %(answer)s") % {"answer": label},
                        screening["desk_answers"][k],
                    ]
                    for k, label in answers.items()
                ],
                *[
                    [
                        _("Administrator's decision: %(answer)s") % {"answer": label},
                        screening["escalated_decisions"][k],
                    ]
                    for k, label in answers.items()
                ],
                [_("No badge issued"), figures["refused"]],
            ],
        ),
        Table(
            "volunteer-hours",
            _("Volunteer hours by school"),
            [_("School"), _("Hours"), _("Visits"), _("Still signed in"), _("Flagged")],
            [
                [
                    names.get(slug, slug),
                    float(row["hours"]),
                    row["visits"],
                    row["open"],
                    row["flagged"],
                ]
                for slug, row in figures["volunteer_hours"].items()
            ],
        ),
    ]


def training_tables(figures: dict[str, Any]) -> list[Table]:
    header = [_("Assigned"), _("Done"), _("Overdue"), _("Expiring"), _("Percent done")]
    return [
        Table(
            "by-role",
            _("Training completion by role"),
            [_("Role"), *header],
            [
                [
                    role_label(role),
                    t["assigned"],
                    t["done"],
                    t["overdue"],
                    t["expiring"],
                    t["percent"],
                ]
                for role, t in figures["by_role"].items()
            ],
            chart_column=5,
        ),
        Table(
            "by-school-role",
            _("Training completion by school and role"),
            [_("School"), _("Role"), *header],
            [
                [
                    row["school_name"],
                    row["role_name"],
                    row["assigned"],
                    row["done"],
                    row["overdue"],
                    row["expiring"],
                    row["percent"],
                ]
                for row in figures["rows"]
            ],
            chart_column=None,
        ),
    ]


def _not_recorded(figures: dict[str, Any]) -> Table:
    return Table(
        "not-recorded",
        _("Asked for, not recorded by Haven"),
        [_("Item"), _("Why")],
        [[key, why] for key, why in figures["not_recorded"].items()],
        chart_column=None,
    )


def colorado_tables(figures: dict[str, Any]) -> list[Table]:
    labels = dict(Category.choices)
    outcomes = dict(Disposition.choices)
    months = sorted({m for per in figures["by_category_month"].values() for m in per})
    ls = figures["life_safety_time_to_acknowledge"]
    return [
        Table(
            "summary",
            _("Summary"),
            [_("Figure"), _("Value")],
            [
                [_("Tips"), figures["total"]],
                [_("Misuse (pranks and false reports)"), figures["misuse"]],
                [
                    _("Duplicates (reports of a single incident)"),
                    figures["single_incident_duplicates"],
                ],
                [
                    _("False reports (meant to harm another person)"),
                    figures["used_to_harm_another"],
                ],
                [_("Life-safety tips"), figures["life_safety"]],
                [_("Life-safety: median minutes to acknowledge"), _blank(ls["median_minutes"])],
                [
                    _("Life-safety: 90th percentile minutes to acknowledge"),
                    _blank(ls["p90_minutes"]),
                ],
            ],
            chart_column=None,
            note=str(_("Haven's reading of the statute, not its text.")),
        ),
        Table(
            "outcomes",
            _("Outcomes"),
            [_("Disposition"), _("Tips")],
            [[str(outcomes.get(k, k)), n] for k, n in figures["outcomes"].items()],
        ),
        Table(
            "by-category-month",
            _("Tips by category and month"),
            [_("Category"), *months],
            [
                [str(labels.get(k, k)), *[per.get(m, 0) for m in months]]
                for k, per in figures["by_category_month"].items()
            ],
            chart_column=None,
        ),
        Table(
            "misuse",
            _("Misuse by category"),
            [_("Category"), _("Pranks"), _("False reports")],
            [
                [str(labels.get(k, k)), per["prank"], per["false"]]
                for k, per in figures["misuse_by_category"].items()
            ],
        ),
        _not_recorded(figures),
    ]


def pennsylvania_tables(figures: dict[str, Any]) -> list[Table]:
    labels = dict(Category.choices)
    return [
        Table(
            "summary",
            _("Summary"),
            [_("Figure"), _("Value")],
            [
                [_("Tips"), figures["total"]],
                [_("False reports"), figures["false_reports"]],
                [_("Pranks"), figures["pranks"]],
                [_("Tips through the web form"), figures["by_method"]["web_form"]],
                [
                    _("Of which about something online"),
                    figures["by_method"]["web_form_online_incident"],
                ],
                [_("Staff trained"), figures["staff_trained"]],
                [_("Staff assigned training"), figures["staff_assigned_training"]],
            ],
            chart_column=None,
            note=str(_("Haven's reading of the statute, not its text.")),
        ),
        Table(
            "by-event-type",
            _("Tips by event type"),
            [_("Event type"), _("Tips")],
            [[str(labels.get(k, k)), n] for k, n in figures["by_event_type"].items()],
        ),
        _not_recorded(figures),
    ]
