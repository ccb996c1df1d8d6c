"""The visitors app's services: what the desk's pages, the kiosk, the API, the demo and other
apps (emergencies, reunification, volunteers) call.

* :mod:`.identity` — who the visitor is (ID barcode, photo of it, typed, saved record);
* :mod:`.checkin` — check-in with screening, the review of a possible match, sign-out, on site;
* :mod:`.records` — the visitor log and its export, expected visitors;
* :mod:`.photos` — the webcam photo, cleaned;
* :mod:`.kiosks` — lobby kiosks: enrolment with a one-time code, the tablet's credential, revoking.
"""

from haven.visitors.services.checkin import (
    badge_printed,
    check_in,
    decide,
    on_site,
    set_frequent,
    sign_out,
    worst,
)
from haven.visitors.services.identity import (
    VisitorDetails,
    from_barcode,
    from_license,
    from_photo,
    id_hash,
    id_hashes,
    saved,
    typed,
)
from haven.visitors.services.records import (
    LogFilter,
    cancel_expected,
    expect,
    expected,
    export_csv,
    filtered,
)

__all__ = [
    "LogFilter",
    "VisitorDetails",
    "badge_printed",
    "cancel_expected",
    "check_in",
    "decide",
    "expect",
    "expected",
    "export_csv",
    "filtered",
    "from_barcode",
    "from_license",
    "from_photo",
    "id_hash",
    "id_hashes",
    "on_site",
    "saved",
    "set_frequent",
    "sign_out",
    "typed",
    "worst",
]
