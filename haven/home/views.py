"""The home page: what needs this person's attention at the school in view."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from haven.accounts.shell import current_school
from haven.home.cards import home_cards
from haven.web.requests import SignedInRequest


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    school = current_school(request)
    return render(request, "core/home.html", {"school": school, "cards": home_cards(user, school)})
