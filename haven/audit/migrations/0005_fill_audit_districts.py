"""Fill in the district of the audit events written before events recorded one (0004), so that
each district's auditors and administrators read their own district's history.

Where it can be told, from what the event names, in this order: its school's district; the
district of the object it is about (its own, or its school's); the district of the actor, when all
their roles are in one district today; the installation's, when it has only one district. An
event none of these tells stays in no district's log.

The log is append-only (triggers refuse UPDATE): this migration lifts the triggers, fills the
column and puts them back, all in its one transaction. The events' digests are not touched: they
were computed without a district, and ``haven audit verify`` still checks them over that content
(see haven.audit.services).
"""

from collections import defaultdict

from django.db import migrations

CHUNK = 500


def batched(items, size):  # type: ignore[no-untyped-def]
    """itertools.batched, which Python 3.11 lacks."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_object(apps, pending):  # type: ignore[no-untyped-def]
    """{district id: [(object type, object ids)]} for events about an object with a district."""
    found = defaultdict(list)
    labels = pending.exclude(object_type="").values_list("object_type", flat=True).distinct()
    for label in sorted(set(labels)):
        app_label, _, model_name = label.partition(".")
        try:
            model = apps.get_model(app_label, model_name)
        except (LookupError, ValueError):
            continue
        names = {field.name for field in model._meta.get_fields()}
        if label == "core.district":
            path = "pk"
        elif "district" in names:
            path = "district_id"
        elif "school" in names:
            path = "school__district_id"
        else:
            continue
        ids = pending.filter(object_type=label).values_list("object_id", flat=True).distinct()
        numbers = sorted({int(i) for i in ids if i.isdigit()})
        for chunk in batched(numbers, CHUNK):
            for pk, district in model.objects.filter(pk__in=chunk).values_list("pk", path):
                if district is not None:
                    found[district].append((label, str(pk)))
    return found


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from haven.audit import triggers

    AuditEvent = apps.get_model("audit", "AuditEvent")
    School = apps.get_model("core", "School")
    District = apps.get_model("core", "District")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    pending = AuditEvent.objects.filter(district_id__isnull=True)
    if not pending.exists():
        return
    connection = schema_editor.connection
    triggers.remove(connection)

    # 1. the school's district
    for school, district in School.objects.values_list("pk", "district_id"):
        pending.filter(school_id=school).update(district_id=district)

    # 2. the district of the object the event is about
    for district, objects in _by_object(apps, pending).items():
        per_type = defaultdict(list)
        for label, object_id in objects:
            per_type[label].append(object_id)
        for label, object_ids in per_type.items():
            for chunk in batched(object_ids, CHUNK):
                pending.filter(object_type=label, object_id__in=chunk).update(
                    district_id=district
                )

    # 3. the actor's district, when all their roles are in one
    actors = set(pending.exclude(actor_id=None).values_list("actor_id", flat=True).distinct())
    districts_of = defaultdict(set)
    for chunk in batched(sorted(actors), CHUNK):
        rows = RoleAssignment.objects.filter(user_id__in=chunk)
        for user, district in rows.values_list("user_id", "district_id"):
            districts_of[user].add(district)
    users_in = defaultdict(list)
    for user, districts in districts_of.items():
        if len(districts) == 1:
            users_in[next(iter(districts))].append(user)
    for district, users in users_in.items():
        for chunk in batched(users, CHUNK):
            pending.filter(actor_id__in=chunk).update(district_id=district)

    # 4. the installation's only district
    only = list(District.objects.values_list("pk", flat=True)[:2])
    if len(only) == 1:
        pending.update(district_id=only[0])

    triggers.install(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_auditevent_district"),
        ("core", "0001_initial"),
        ("accounts", "0002_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
