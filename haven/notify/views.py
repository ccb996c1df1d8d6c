from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from haven.accounts.activity import background
from haven.notify.models import Notification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=request.user.pk)[:100]
    return render(request, "notify/inbox.html", {"notes": notes})


@background
@login_required
def unread_count(request: HttpRequest) -> JsonResponse:
    """Polled by every staff page as a fallback to the WebSocket push."""
    qs = Notification.objects.filter(user=request.user.pk, read_at__isnull=True)
    latest = qs.order_by("-created_at").values("id", "title", "url", "urgent").first()
    return JsonResponse({"unread": qs.count(), "latest": latest})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notify:inbox")
