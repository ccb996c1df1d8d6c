"""The visitors' pages, mounted at /visitors/."""

from django.urls import path

from haven.visitors import kiosk, lists, views

app_name = "visitors"
urlpatterns = [
    path("", lists.on_site, name="on_site"),
    path("check-in/", views.check_in, name="check_in"),
    path("scan/", views.scan, name="scan"),
    path("log/", lists.log, name="log"),
    path("log.csv", lists.export, name="export"),
    path("expected/", lists.expected, name="expected"),
    path("expected/<int:pk>/cancel/", lists.expected_cancel, name="expected_cancel"),
    path("watchlist/", lists.watchlist, name="watchlist"),
    path("watchlist/new/", lists.watchlist_entry, name="watchlist_new"),
    path("watchlist/<int:pk>/", lists.watchlist_entry, name="watchlist_edit"),
    path("kiosks/", kiosk.manage, name="kiosks"),
    path("kiosks/<int:pk>/revoke/", kiosk.revoke, name="kiosk_revoke"),
    # The kiosk's own pages: reached with its kiosk credential, not a staff session.
    path("kiosk/", kiosk.enrol, name="kiosk_enrol"),
    path("kiosk/<slug:slug>/", kiosk.kiosk, name="kiosk"),
    path("kiosk/<slug:slug>/done/", kiosk.kiosk_done, name="kiosk_done"),
    path("kiosk/<slug:slug>/badge.pdf", kiosk.kiosk_badge, name="kiosk_badge"),
    path("<int:pk>/", views.visit_detail, name="visit"),
    path("<int:pk>/status/", views.visit_status, name="status"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/sign-out/", views.sign_out, name="sign_out"),
    path("<int:pk>/frequent/", views.frequent, name="frequent"),
    path("<int:pk>/badge.pdf", views.badge, name="badge"),
    path("<int:pk>/photo.jpg", views.photo, name="photo"),
]
