"""A forecaster's public profile: who they are and, as they choose, their record."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pages.selectors import profile_for, profile_user
from scoring.calibration_page import small_sample_note


def forecaster_profile(request: HttpRequest, username: str) -> HttpResponse:
    user = profile_user(username)
    if user is None:
        raise Http404("No such forecaster.")
    profile = profile_for(user=user, viewer=request.user)
    context = {
        "profile": profile,
        "forecaster": user,
        "own": request.user.is_authenticated and request.user.pk == user.pk,
        "calibration": profile.calibration,
        "calibration_note": small_sample_note(profile.calibration) if profile.calibration else "",
        "min_questions": settings.FORESEER_LEADERBOARD_MIN_QUESTIONS,
    }
    return render(request, "pages/profile.html", context)
