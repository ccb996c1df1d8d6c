"""Services of the roster: search."""

from __future__ import annotations

from django.db.models import Q, QuerySet


def search_students(qs: QuerySet, query: str) -> QuerySet:
    """Every word of the query must match a name (given, family, preferred) or a student number."""
    for word in query.split()[:5]:
        qs = qs.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(student_number__iexact=word)
        )
    return qs
