from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse_lazy

from haven.api import api
from haven.core import views as core_views
from haven.emergencies.alerts import stream as alert_stream
from haven.emergencies.alerts import views as emergency_views
from haven.home import views as home_views
from haven.tips import urls as tips_urls
from haven.volunteers import urls as volunteer_urls

admin.site.site_header = "Haven administration"


def _admin_sign_in(request, extra_context=None):  # type: ignore[no-untyped-def]
    # The admin signs in through Haven's own pages, so the second factor and lock-out apply.
    return redirect_to_login(request.get_full_path(), reverse_lazy("accounts:login"))


admin.site.login = _admin_sign_in  # type: ignore[method-assign]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("haven.accounts.urls")),
    path("roster/", include("haven.core.urls")),
    path("audit/", include("haven.audit.urls")),
    path("notifications/", include("haven.notify.urls")),
    path("emergencies/", include("haven.emergencies.urls")),
    path("sw.js", emergency_views.service_worker, name="service_worker"),
    path("tips/", include("haven.tips.urls")),
    path("cases/", include("haven.cases.urls")),
    path("triage/", include("haven.triage.urls")),
    path("visitors/", include("haven.visitors.urls")),
    path("report/", include((tips_urls.public_urlpatterns, "report"))),
    path("volunteers/", include("haven.volunteers.urls")),
    path("volunteer/", include((volunteer_urls.public_urlpatterns, "volunteer"))),
    path("training/", include("haven.training.urls")),
    path("reports/", include("haven.reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Server-sent events need an async view: mounted here, before the (sync) ninja API.
    path("api/v1/alerts/stream", alert_stream.alert_stream, name="alert_stream"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# A database or queue that is unavailable is a 503 even when raised outside a view.
handler500 = "haven.core.views.server_error"
