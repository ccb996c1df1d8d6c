"""``Model.objects.visible_to(user)``: the access policy's question asked from a model's side.

A model whose rows are sensitive declares ``objects = VisibleQuerySet.as_manager()``; then
``Tip.objects.visible_to(user)`` (or ``Tip.objects.filter(...).visible_to(user)``) is exactly
``policy.visible_to(user, ...)``: the scope the policy registered for the model, and nothing for a
model without one. It is NetBox's ``restrict()`` idiom without its bypass: a superuser sees only
what their roles let them see. Models import this module, which imports the policy only when
asked, so that loading models never loads the policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from haven.access.policy import Actor

_M = TypeVar("_M", bound=models.Model)


class VisibleQuerySet(models.QuerySet[_M]):
    def visible_to(self, user: Actor) -> models.QuerySet[_M]:
        from haven.access.policy import visible_to

        return visible_to(user, self)

    def get_visible_or_404(self, user: Actor, pk: Any = None, **lookup: Any) -> _M:
        from haven.access.policy import get_visible_or_404

        return get_visible_or_404(user, self, pk, **lookup)
