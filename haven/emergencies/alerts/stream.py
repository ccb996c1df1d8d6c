"""``GET /api/v1/alerts/stream?school=<slug>``: a school's alerts as server-sent events.

Each alert is one event: ``id:`` its number in the school's sequence, ``event: alert``, ``data:``
the alert's JSON (``incident``, ``protocol``, ``school``, ``drill``, ``sent_at``, ``note``, ``url``
…). A client that reconnects with ``Last-Event-ID`` (EventSource does so by itself; a first
connection may pass ``?last_event_id=``) first receives every alert after that number from the
database, then live ones. A fresh connection instead receives the latest alert of each incident
still in effect, so a page opened during a lockdown shows it. After the catch-up comes one
``event: position`` whose ``id:`` is the stream's current number. A ``:`` comment every
HAVEN_ALERT_HEARTBEAT_SECONDS keeps proxies from closing the connection; after
HAVEN_ALERT_STREAM_MAX_SECONDS the stream ends and the client reconnects, losing nothing.

How it stays cheap with thousands of open pages: each process (each event loop) keeps **one**
channel-layer channel, added to the group of every school it has listeners for (the
:class:`Hub`), and fans each message out to its streams' in-memory queues. A raise therefore costs
the channel layer one message per process, not one per open page.

And if the channel layer loses a message (Redis restarting, a raise from another process on the
embedded in-memory layer, a publish that failed), the hub notices within
HAVEN_ALERT_POLL_SECONDS: it compares, once per process, each school's last alert number in the
database with the last one it has seen, and sends what is missing from the database. With the
channel layer down altogether (Redis unreachable), a stream opens all the same and every alert
comes that way, within the poll interval (3 s by default), until the layer returns.

Under a WSGI server (or Django's test client) a stream cannot be held open: the response is the
catch-up and the position, then ends, and EventSource asks again after ``retry``.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import secrets
import weakref
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.activity import background
from haven.core.models import School
from haven.emergencies.alerts.fanout import message_for, school_group
from haven.emergencies.alerts.payload import incident_url
from haven.emergencies.alerts.protocols import ACTIONS
from haven.emergencies.models import Acknowledgement, Alert, AlertStream, Delivery, Incident

if TYPE_CHECKING:
    from haven.accounts.models import User

log = logging.getLogger(__name__)

RETRY_MS = 3000
RETRY_SPREAD_MS = 4000
REPLAY_LIMIT = 50
QUEUE_SIZE = 64
FLUSH_DELAY = 2.0
LAYER_TIMEOUT = 5.0  # a channel layer that does not answer in this time counts as down
CONTENT_TYPE = "text/event-stream; charset=utf-8"
_OVERFLOW = object()  # this client fell too far behind: end its stream
_TICK = object()  # time for a heartbeat


# --- reading the catch-up from the database -------------------------------------------------------


def position(school: School) -> int:
    stream = AlertStream.objects.filter(school=school).values_list("last_sequence", flat=True)
    return stream.first() or 0


def catch_up(user: User, school: School, last_id: int | None) -> tuple[int, list[tuple]]:
    """(current position, [(alert pk, sequence, data)]) for a client that last saw ``last_id``
    (None: a fresh page). Read the position first: anything later arrives live."""
    current = position(school)
    alerts = Alert.objects.filter(school=school, sequence__lte=current)
    if last_id is not None:
        rows = list(alerts.filter(sequence__gt=last_id).order_by("-sequence")[:REPLAY_LIMIT])
    else:
        active = Incident.objects.filter(status=Incident.Status.ACTIVE).filter(
            Q(school=school) | Q(school__isnull=True, district=school.district_id)
        )
        latest: dict[int, Alert] = {}
        for alert in alerts.filter(incident__in=active).order_by("-sequence")[:REPLAY_LIMIT]:
            latest.setdefault(alert.incident_id, alert)
        rows = list(latest.values())
    rows.sort(key=lambda a: a.sequence)
    incidents = {a.incident_id for a in rows}
    acked = set(
        Acknowledgement.objects.filter(user=user, incident__in=incidents).values_list(
            "incident_id", flat=True
        )
    )
    status = dict(Incident.objects.filter(pk__in=incidents).values_list("pk", "status"))
    events = [
        (
            a.pk,
            a.sequence,
            {
                **a.payload,
                "replayed": True,
                "acknowledged": a.incident_id in acked,
                "status": status.get(a.incident_id, a.payload.get("status")),
            },
        )
        for a in rows
    ]
    return current, events


def record_deliveries(rows: dict[tuple[int, int, str], datetime]) -> None:
    """Store "reached this user's open page" once per alert, user and channel, with when."""
    Delivery.objects.bulk_create(
        [
            Delivery(
                alert_id=alert_pk,
                user_id=user_pk,
                channel=channel,
                status=Delivery.Status.DELIVERED,
                attempts=1,
                created_at=at,
                delivered_at=at,
            )
            for (alert_pk, user_pk, channel), at in rows.items()
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


# --- one listener per process ---------------------------------------------------------------------


class Hub:
    """One channel-layer channel for every alert stream of this event loop (see module doc)."""

    REJOIN_SECONDS = 3600  # group membership expires in the channel layer after a day

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.queues: dict[str, set[asyncio.Queue]] = {}
        self.joined: dict[str, float] = {}
        self.reader: asyncio.Task | None = None
        self.lock = asyncio.Lock()
        self.delivered: dict[tuple[int, int, str], datetime] = {}
        self.flusher: asyncio.Task | None = None
        self.seen: dict[int, int] = {}  # school id -> the last alert number this process has seen
        self.poller: asyncio.Task | None = None
        self.ticker: asyncio.Task | None = None
        # False while the channel layer cannot be reached (Redis down): streams stay open and the
        # poller, which then polls without waiting for the layer, sends alerts from the database.
        self.layer_ok = True

    async def subscribe(self, group: str) -> asyncio.Queue:
        """A queue of this group's alerts. Never fails because the channel layer is down: the
        stream is served from the database until the layer returns (module doc)."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        loop = asyncio.get_running_loop()
        async with self.lock:
            if self.channel is None:
                try:
                    self.channel = await self.layer.new_channel("haven.alerts.")
                except Exception:
                    self._layer_down("could not open a channel")
            if self.channel is not None and (self.reader is None or self.reader.done()):
                self.reader = _background(self._read())
            if self.poller is None or self.poller.done():
                self.poller = _background(self._poll())
            if self.ticker is None or self.ticker.done():
                self.ticker = _background(self._tick())
            self.queues.setdefault(group, set()).add(queue)
            if self.channel is not None and (
                loop.time() - self.joined.get(group, -1e9) > self.REJOIN_SECONDS
            ):
                try:
                    await asyncio.wait_for(self.layer.group_add(group, self.channel), LAYER_TIMEOUT)
                except Exception:
                    self._layer_down(f"could not join {group}")
                else:
                    self.joined[group] = loop.time()
        return queue

    def _layer_down(self, what: str) -> None:
        if self.layer_ok:
            log.warning(
                "alert streams: %s on the channel layer; serving alerts from the database "
                "every %s s until it returns",
                what,
                settings.HAVEN_ALERT_POLL_SECONDS,
                exc_info=True,
            )
        self.layer_ok = False

    def unsubscribe(self, group: str, queue: asyncio.Queue) -> None:
        listeners = self.queues.get(group)
        if listeners is not None:
            listeners.discard(queue)
            if not listeners:
                del self.queues[group]
                try:
                    _background(self._leave(group))
                except RuntimeError:  # the loop is gone (shutting down)
                    pass

    async def _leave(self, group: str) -> None:
        async with self.lock:
            if group in self.queues or self.channel is None:
                return
            self.joined.pop(group, None)
            try:
                await self.layer.group_discard(group, self.channel)
            except Exception:
                log.warning("could not leave %s", group, exc_info=True)
            self.seen.pop(_school_id(group), None)
            if not self.queues:
                for task in (self.reader, self.poller, self.ticker):
                    if task is not None:
                        task.cancel()
                self.reader = self.poller = self.ticker = None

    async def _read(self) -> None:
        channel = self.channel
        pause = 1.0
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if _idle_timeout(exc):
                    continue  # a blocking read that found nothing: nothing was lost
                self._layer_down("lost the connection")
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
                await self._rejoin(channel)
                continue
            pause = 1.0
            if message.get("type") == "emergency.alert":
                self._deliver(message)

    async def _rejoin(self, channel: Any) -> None:
        self.joined.clear()
        try:
            for group in list(self.queues):
                await asyncio.wait_for(self.layer.group_add(group, channel), LAYER_TIMEOUT)
                self.joined[group] = asyncio.get_running_loop().time()
        except Exception:
            self._layer_down("could not rejoin")
            return
        if not self.layer_ok:
            log.warning("alert streams: the channel layer is back")
        self.layer_ok = True

    def _deliver(self, message: dict[str, Any]) -> None:
        school = message["school"]
        self.seen[school] = max(self.seen.get(school, 0), message["id"])
        for queue in list(self.queues.get(school_group(school), ())):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                # A client this far behind is dropped; it reconnects and catches up.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(_OVERFLOW)

    async def _tick(self) -> None:
        """One timer for every stream's heartbeat (not a timer per stream)."""
        while True:
            await asyncio.sleep(settings.HAVEN_ALERT_HEARTBEAT_SECONDS)
            for listeners in list(self.queues.values()):
                for queue in list(listeners):
                    if queue.empty():
                        queue.put_nowait(_TICK)

    def saw(self, school_id: int, sequence: int) -> None:
        """A stream read the database up to ``sequence``: anything later must still come."""
        self.seen.setdefault(school_id, sequence)

    async def _poll(self) -> None:
        """The safety net for messages the channel layer lost (see the module doc), and the
        source of every alert while the layer is down."""
        while True:
            await asyncio.sleep(settings.HAVEN_ALERT_POLL_SECONDS)
            if self.channel is None:  # the layer could not even open a channel: try again
                try:
                    self.channel = await self.layer.new_channel("haven.alerts.")
                    self.reader = _background(self._read())
                except Exception:
                    self._layer_down("could not open a channel")
            elif not self.layer_ok:
                await self._rejoin(self.channel)
                if self.reader is None or self.reader.done():
                    self.reader = _background(self._read())
            try:
                await self._catch_up_missed()
            except Exception:
                log.warning("could not check for missed alerts", exc_info=True)

    async def _catch_up_missed(self) -> None:
        schools = [_school_id(group) for group in self.queues]
        behind = await database_sync_to_async(_behind)(schools, dict(self.seen))
        if not behind:
            return
        # The channel layer may simply be a moment behind the database: give it that moment
        # (not when it is down: then the database is the only way).
        if self.layer_ok:
            await asyncio.sleep(min(1.5, settings.HAVEN_ALERT_POLL_SECONDS / 2))
        still = {
            school: seen for school, seen in behind.items() if self.seen.get(school, 0) <= seen
        }
        if not still:
            return
        log.warning("alerts missed by the channel layer, sent from the database: %s", still)
        for message in await database_sync_to_async(_missed_messages)(still):
            if message["id"] > self.seen.get(message["school"], 0):
                self._deliver(message)

    def delivered_to(self, alert_pk: int, user_pk: int, channel: str) -> None:
        self.delivered.setdefault((alert_pk, user_pk, channel), timezone.now())
        if self.flusher is None or self.flusher.done():
            self.flusher = _background(self._flush())

    async def _flush(self) -> None:
        # One insert for a whole broadcast, once the broadcast itself is out of the way.
        await asyncio.sleep(FLUSH_DELAY)
        rows, self.delivered = self.delivered, {}
        try:
            await database_sync_to_async(record_deliveries)(rows)
        except Exception:
            log.warning("could not record %d deliveries", len(rows), exc_info=True)


def _school_id(group: str) -> int:
    return int(group.rsplit(".", 1)[1])


def _behind(schools: list[int], seen: dict[int, int]) -> dict[int, int]:
    """Schools whose last alert in the database is later than the last one seen here."""
    positions = AlertStream.objects.filter(school_id__in=schools).values_list(
        "school_id", "last_sequence"
    )
    return {
        school: seen[school] for school, last in positions if school in seen and last > seen[school]
    }


def _missed_messages(after: dict[int, int]) -> list[dict[str, Any]]:
    messages = []
    for school, sequence in after.items():
        alerts = Alert.objects.filter(school_id=school, sequence__gt=sequence).order_by("sequence")
        messages += [message_for(alert) for alert in alerts[:REPLAY_LIMIT]]
    return messages


def _idle_timeout(exc: Exception) -> bool:
    """redis-py ends an idle blocking read (channels-redis waits 5 s per BZPOPMIN) with a
    TimeoutError when its socket timeout is not longer than the wait; that is not a failure."""
    return type(exc).__name__ == "TimeoutError" and type(exc).__module__.startswith("redis")


def _background(coroutine: Any) -> asyncio.Task:
    """A task outside any request's context: its database calls must not run on (or keep alive)
    the thread Django gave the request that happened to start it."""
    return asyncio.get_running_loop().create_task(coroutine, context=contextvars.Context())


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = _hubs.get(loop)
    if current is None or current.layer is not layer:
        current = _hubs[loop] = Hub(layer)
    return current


# --- the view -------------------------------------------------------------------------------------


def event(sequence: int, name: str, data: dict[str, Any]) -> bytes:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"id: {sequence}\nevent: {name}\ndata: {body}\n\n".encode()


def last_event_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    raw = raw.strip()
    if raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None


def _token_user(header: str) -> Any:
    from haven.accounts.models import ApiToken

    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    found = ApiToken.authenticate(token.strip())
    return found.user if found else None


async def _user(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if header:
        return await sync_to_async(_token_user)(header)
    user = await request.auser()
    return user if user.is_authenticated else None


_warm: list[bool] = []


def _warm_up() -> None:
    """Build, once per process, what the first alert would otherwise build while everyone waits
    for it: Django's table of URL names (for the incident link) and the protocols' wording."""
    incident_url(Incident(pk=1))
    for act in ACTIONS.values():
        str(act.directive)
    _warm.append(True)


def _school(user: User, slug: str) -> School | None:
    return (
        policy.schools_for(user, Perm.EMERGENCY_RECEIVE)
        .filter(slug=slug)
        .select_related("district")
        .first()
    )


@background  # an EventSource cannot send the header: the view says it
async def alert_stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    if request.method != "GET":
        return JsonResponse({"detail": "Use GET."}, status=405, headers={"Allow": "GET"})
    user = await _user(request)
    if user is None:
        return JsonResponse(
            {"detail": "Sign in, or send a valid token as 'Authorization: Bearer <token>'."},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="haven"'},
        )
    slug = request.GET.get("school", "").strip()
    if not slug:
        return JsonResponse(
            {
                "detail": "Invalid input.",
                "errors": [{"field": "school", "message": "Give the school's slug."}],
            },
            status=422,
        )
    school = await sync_to_async(_school)(user, slug[:100])
    if school is None:
        return JsonResponse({"detail": "Not found."}, status=404)
    if not _warm:
        await sync_to_async(_warm_up)()
    last_id = last_event_id(request)
    response: HttpResponse | StreamingHttpResponse
    if isinstance(request, ASGIRequest):
        response = StreamingHttpResponse(events(user, school, last_id), content_type=CONTENT_TYPE)
    else:
        body = await sync_to_async(snapshot)(user, school, last_id)
        response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-cache, no-store, no-transform"
    response["X-Accel-Buffering"] = "no"  # tell nginx not to buffer the stream
    return response


def snapshot(user: User, school: School, last_id: int | None) -> bytes:
    """The whole response when the stream cannot be held open (WSGI): catch-up, position, end."""
    current, replay = catch_up(user, school, last_id)
    now = timezone.now()
    record_deliveries({(pk, user.pk, Delivery.Channel.STREAM): now for pk, _, _ in replay})
    chunks = [f"retry: {RETRY_MS}\n\n".encode()]
    chunks += [event(sequence, "alert", data) for _, sequence, data in replay]
    chunks.append(event(current, "position", {"alert": current, "school": school.slug}))
    return b"".join(chunks)


async def events(
    user: User, school: School, last_id: int | None, *, channel: str = Delivery.Channel.STREAM
) -> AsyncIterator[bytes]:
    """The stream's bytes. Subscribes before reading the catch-up, so nothing falls between."""
    listener = hub()
    group = school_group(school.pk)
    queue = await listener.subscribe(group)
    try:
        # A little random spread, so that thousands of pages do not all come back in the same
        # second after a restart.
        retry = RETRY_MS + secrets.randbelow(RETRY_SPREAD_MS)
        yield f"retry: {retry}\n: connected\n\n".encode()
        current, replay = await database_sync_to_async(catch_up)(user, school, last_id)
        listener.saw(school.pk, current)
        # An open stream needs no database connection: give this request's back (with PostgreSQL
        # and persistent connections, thousands of open pages would otherwise hold thousands).
        await sync_to_async(connections.close_all)()
        for alert_pk, sequence, data in replay:
            yield event(sequence, "alert", data)
            listener.delivered_to(alert_pk, user.pk, channel)
        yield event(current, "position", {"alert": current, "school": school.slug})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.HAVEN_ALERT_STREAM_MAX_SECONDS
        while True:
            message = await queue.get()
            if message is _TICK:
                if loop.time() >= deadline:
                    return
                yield b": keepalive\n\n"
                continue
            if message is _OVERFLOW:
                return
            if message["id"] <= current:
                continue  # already sent in the catch-up
            current = message["id"]
            if "sse" not in message:  # the same bytes for every stream: encode them once
                message["sse"] = event(current, "alert", message["data"])
            yield message["sse"]
            listener.delivered_to(message["alert"], user.pk, channel)
    finally:
        listener.unsubscribe(group, queue)
