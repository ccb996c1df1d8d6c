from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from haven.notify.models import Notification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=request.user.pk)[:100]
    return render(request, "notify/inbox.html", {"notes": notes})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notify:inbox")
