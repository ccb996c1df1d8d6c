"""The demo district's tip line: an on-call rota, saved replies, retention periods, and a dozen
realistic tips — every category, every status and disposition, dialogue in English and Spanish, a
life-safety tip, a confidential reporter, a district-wide tip and a screenshot.

The tips are made through the services (so they are encrypted, audited and notified like real
ones), then their times are moved into the past so the inbox looks like a working week.
Deterministic (fixed content, receipts derived from a fixed seed) and idempotent (a tip whose
receipt is already stored is not made again). Only the receipts' digests are stored.

To try the reporter's follow-up, open /report/follow-up/ with :data:`DEMO_RECEIPT`: a responder
has asked a question that is waiting for an answer.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from haven.accounts.models import User
from haven.core.models import District, School
from haven.tips import receipts, services
from haven.tips.models import (
    Category,
    Message,
    OnCallShift,
    RetentionPolicy,
    SavedReply,
    SchoolTipSettings,
    Status,
    Tip,
)

#: The receipt of the demo tip that is waiting for the reporter's answer (documented in the README
#: and printed by `haven demo`).
DEMO_RECEIPT = "2468 1357 2468 1357"


@dataclass(frozen=True)
class Line:
    """One line of a demo dialogue: who says it (a username, or "reporter"), and how."""

    who: str
    text: str
    internal: bool = False
    signed: bool = False


@dataclass(frozen=True)
class DemoTip:
    key: str
    school: str | None  # slug; None for the district's own page
    category: str
    description: str
    status: str
    age: timedelta  # how long ago it came in
    responder: str = "counselor"
    disposition: str = ""
    location: str = ""
    subject_names: tuple[str, ...] = ()
    online_platform: str = ""
    online_url: str = ""
    danger_now: bool = False
    contact: dict[str, str] | None = None
    language: str = "en"
    dialogue: tuple[Line, ...] = ()
    assignees: tuple[str, ...] = ()
    picture: bool = False
    related_to: str = ""
    receipt: str = field(default="")


TIPS: tuple[DemoTip, ...] = (
    DemoTip(
        key="northside-threat-online",
        school="northside-high",
        category=Category.VIOLENCE_THREAT,
        description=(
            "A junior posted a story on Snapchat last night with a picture of a rifle and the "
            "words 'don't come to school Friday'. A lot of people saw it before it was deleted. "
            "I took a screenshot."
        ),
        online_platform="Snapchat",
        danger_now=True,
        subject_names=("Jayden M.",),
        status=Status.CLOSED,
        disposition="case_opened",
        age=timedelta(days=6, hours=3),
        responder="sro",
        assignees=("counselor", "sro"),
        picture=True,
        dialogue=(
            Line("sro", "Thank you for telling us. Are you safe right now?"),
            Line("reporter", "Yes, I'm at home. I just didn't know who to tell."),
            Line(
                "sro",
                "You did the right thing. We are with the family now. If you see anything "
                "else, tell us here or call 911.",
                signed=True,
            ),
            Line("counselor", "Threat assessment team meets at 7:30. Case opened.", internal=True),
        ),
    ),
    DemoTip(
        key="northside-weapon-bus",
        school="northside-high",
        category=Category.WEAPON,
        description=(
            "Someone on bus 14 showed a knife to a few kids on the way home and said he keeps "
            "it in his backpack every day."
        ),
        location="Bus 14, afternoon route",
        status=Status.TRIAGED,
        age=timedelta(days=2, hours=5),
        responder="principal",
        related_to="northside-threat-online",
        dialogue=(
            Line("principal", "Thank you. Do you know the student's name or grade?"),
            Line("reporter", "I think he's in 10th grade. He sits in the back on the left."),
            Line(
                "principal",
                "Asked transportation for the bus camera footage.",
                internal=True,
            ),
        ),
    ),
    DemoTip(
        key="northside-self-harm-es",
        school="northside-high",
        category=Category.SELF_HARM,
        description=(
            "Mi amiga me mandó mensajes anoche diciendo que ya no quiere vivir y que nadie la "
            "extrañaría. Hoy no vino a la escuela y no contesta."
        ),
        danger_now=True,
        language="es",
        status=Status.ACKNOWLEDGED,
        age=timedelta(hours=3),
        dialogue=(
            Line(
                "counselor",
                "Gracias por avisarnos. Ya estamos llamando a su familia. ¿Sabes dónde está ahora?",
                signed=True,
            ),
            Line("reporter", "Creo que está en casa de su tía, cerca del parque Lincoln."),
            Line(
                "counselor",
                "Gracias. Si estás preocupada por ti o por ella, puedes llamar o escribir al "
                "988 a cualquier hora.",
            ),
        ),
    ),
    DemoTip(
        key="northside-bullying-lunch",
        school="northside-high",
        category=Category.BULLYING,
        description=(
            "A group of seniors keeps taking a freshman's lunch and filming it. It happens "
            "almost every day by the vending machines."
        ),
        location="Cafeteria, by the vending machines",
        status=Status.NEW,
        age=timedelta(minutes=40),
    ),
    DemoTip(
        key="northside-harassment-hallway",
        school="northside-high",
        category=Category.HARASSMENT,
        description=(
            "Two boys keep making comments about a girl's body in the science hallway between "
            "3rd and 4th period, and one of them grabbed her arm last week."
        ),
        location="Science hallway, 2nd floor",
        status=Status.ACKNOWLEDGED,
        age=timedelta(days=1, hours=2),
        receipt=DEMO_RECEIPT,
        dialogue=(
            Line(
                "counselor",
                "Thank you for telling us. Is the student who was grabbed OK? Has she talked "
                "to anyone at school yet?",
            ),
        ),
    ),
    DemoTip(
        key="riverside-abuse-confidential",
        school="riverside-middle",
        category=Category.ABUSE_NEGLECT,
        description=(
            "The 7th grader next door often has bruises on his arms and says he is not allowed "
            "to eat dinner when his stepdad is angry. He was locked outside last night."
        ),
        contact={"name": "Rosa Alvarez (neighbour)", "phone": "555-0142"},
        status=Status.CLOSED,
        disposition="referred",
        age=timedelta(days=9),
        responder="counselor2",
        dialogue=(
            Line("counselor2", "Thank you, Ms. Alvarez. May we call you at this number?"),
            Line("reporter", "Yes, after 5 pm please."),
            Line("counselor2", "Reported to child protective services.", internal=True),
        ),
    ),
    DemoTip(
        key="riverside-vaping",
        school="riverside-middle",
        category=Category.DRUGS_ALCOHOL,
        description="Kids are selling vapes in the boys' bathroom near the gym during lunch.",
        location="Boys' bathroom by the gym",
        status=Status.NEW,
        age=timedelta(hours=5),
    ),
    DemoTip(
        key="northside-dating-violence",
        school="northside-high",
        category=Category.DATING_VIOLENCE,
        description=(
            "My friend's boyfriend checks her phone all the time and pushed her against a locker "
            "when she talked to another guy."
        ),
        status=Status.CLOSED,
        disposition="resolved",
        age=timedelta(days=20),
        dialogue=(
            Line("counselor", "Thank you. Would your friend be willing to talk with a counsellor?"),
            Line("reporter", "She said yes, she can come during advisory."),
            Line("counselor", "We met with her and made a safety plan. Thank you for caring."),
        ),
    ),
    DemoTip(
        key="district-car-at-dismissal",
        school=None,
        category=Category.OTHER,
        description=(
            "A man in a grey car has parked across from the middle school at dismissal all week "
            "and seems to be taking photos of the students."
        ),
        location="Oak Street, across from the Riverside entrance",
        status=Status.TRIAGED,
        age=timedelta(days=1, hours=20),
        responder="admin",
        dialogue=(
            Line("admin", "Thank you. Did you see the licence plate?"),
            Line("reporter", "Only the start: 7KX."),
        ),
    ),
    DemoTip(
        key="northside-prank-threat",
        school="northside-high",
        category=Category.VIOLENCE_THREAT,
        description="theres gonna be a bomb in mr bakers room at 10 lol",
        status=Status.CLOSED,
        disposition="prank",
        age=timedelta(days=12),
        responder="principal",
        dialogue=(
            Line(
                "principal",
                "Room checked with the SRO, nothing found; the student admitted it was a joke.",
                internal=True,
            ),
        ),
    ),
    DemoTip(
        key="riverside-unfounded-harassment",
        school="riverside-middle",
        category=Category.HARASSMENT,
        description="A teacher keeps yelling at one student in math class.",
        status=Status.CLOSED,
        disposition="unfounded",
        age=timedelta(days=15),
        responder="principal2",
        dialogue=(
            Line("principal2", "Which class period is it?"),
            Line("reporter", "6th period."),
            Line("principal2", "Observed three lessons; nothing of the kind.", internal=True),
        ),
    ),
    DemoTip(
        key="northside-false-accusation",
        school="northside-high",
        category=Category.WEAPON,
        description="Jordan in 10th grade keeps a knife in his backpack every day.",
        status=Status.CLOSED,
        disposition="false",
        age=timedelta(days=20),
        responder="principal",
        dialogue=(
            Line(
                "principal",
                "Searched with the SRO and a parent present: nothing. Sent in the same hour as "
                "three other reports about him after a quarrel; a false report.",
                internal=True,
            ),
        ),
    ),
    DemoTip(
        key="riverside-duplicate-fight",
        school="riverside-middle",
        category=Category.VIOLENCE_THREAT,
        description="Two 8th graders said they will fight behind the gym after school.",
        status=Status.CLOSED,
        disposition="duplicate",
        age=timedelta(days=9),
        responder="principal2",
        dialogue=(
            Line("principal2", "Same fight as an earlier tip; handled there.", internal=True),
        ),
    ),
    DemoTip(
        key="riverside-cyberbullying-es",
        school="riverside-middle",
        category=Category.BULLYING,
        description=(
            "Hicieron una cuenta falsa de Instagram con fotos de una compañera de 8º y se burlan "
            "de ella en los comentarios."
        ),
        online_platform="Instagram",
        online_url="https://www.instagram.com/example-fake-account/",
        language="es",
        status=Status.NEW,
        age=timedelta(hours=20),
    ),
)


def _receipt(item: DemoTip) -> str:
    """A fixed receipt per demo tip, from a seed, so that loading twice finds the same tips."""
    if item.receipt:
        return item.receipt
    digits = random.Random(f"haven-demo-tip:{item.key}").randrange(10**receipts.DIGITS)  # noqa: S311 - demo data
    return receipts.format_receipt(f"{digits:0{receipts.DIGITS}d}")


def _screenshot() -> SimpleUploadedFile:
    """A plain picture standing in for a screenshot (no real person's post in the demo)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 640), (24, 24, 32))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 120, 340, 420), fill=(70, 70, 80))
    draw.text((30, 450), "don't come to school Friday", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("screenshot.png", out.getvalue(), content_type="image/png")


@transaction.atomic
def load(district: District) -> int:
    """Create what is missing of the demo tip line; returns how many demo tips exist."""
    users = {u.username: u for u in User.objects.filter(is_demo=True)}
    schools = {s.slug: s for s in School.objects.filter(district=district)}
    _load_settings(district, schools, users)
    wanted = {item.key: _receipt(item) for item in TIPS}
    # Found as a reporter finds their tip (under any pepper, moved onto the newest).
    existing = {
        key: found.pk
        for key, receipt in wanted.items()
        if (found := services.find_by_receipt(receipt)) is not None
    }
    made: dict[str, Tip] = {}
    now = timezone.now()
    for item in TIPS:
        if item.key in existing:
            continue
        made[item.key] = _make(item, wanted[item.key], district, users, now)
    _forget_past_alerts([tip for tip in made.values() if tip.status != Status.NEW])
    for item in TIPS:
        if item.key in made and item.related_to:
            other_pk = existing.get(item.related_to) or made[item.related_to].pk
            services.link(users[item.responder], made[item.key], Tip.objects.get(pk=other_pk))
    return len(existing) + len(made)


def _make(
    item: DemoTip, receipt: str, district: District, users: dict[str, Any], now: datetime
) -> Tip:
    tip, _ = services.submit(
        services.TipInput(
            category=item.category,
            description=item.description,
            school=item.school or "",
            location=item.location,
            subject_names=list(item.subject_names),
            online_platform=item.online_platform,
            online_url=item.online_url,
            danger_now=item.danger_now,
            contact=item.contact,
            language=item.language,
            files=[_screenshot()] if item.picture else [],
        ),
        district=district,
        receipt=receipt,
    )
    responder = users[item.responder]
    for line in item.dialogue:
        if line.who == "reporter":
            services.reporter_message(tip, receipt, line.text)
        else:
            services.staff_message(
                users[line.who], tip, line.text, internal=line.internal, signed=line.signed
            )
    if item.status in (Status.ACKNOWLEDGED, Status.TRIAGED, Status.CLOSED):
        tip = services.acknowledge(responder, tip)
    if item.status in (Status.TRIAGED, Status.CLOSED):
        tip = services.mark_triaged(responder, tip)
    if item.status == Status.CLOSED:
        tip = services.close(responder, tip, item.disposition)
    if item.assignees:
        services.assign(responder, tip, [users[name] for name in item.assignees])
    _move_into_the_past(tip, item, now)
    return tip


def _forget_past_alerts(tips: list[Tip]) -> None:
    """The demo's past tips were answered long ago: nobody should be paged for them now (their
    e-mails, queued for after the commit, find no notification and send nothing)."""
    from haven.notify.models import Notification

    urls = {reverse("tips:detail", args=[tip.pk]) for tip in tips}
    # The link is encrypted: compared here, not in the database (a demo has a few dozen).
    tip_notes = Notification.objects.filter(kind__startswith="tip_").only("url")
    Notification.objects.filter(pk__in=[n.pk for n in tip_notes if n.url in urls]).delete()


def _move_into_the_past(tip: Tip, item: DemoTip, now: datetime) -> None:
    """Give the tip and its dialogue the times of a real week: responders acknowledge a
    life-safety tip within minutes, others within hours; replies come in between."""
    created = now - item.age
    quick = timedelta(minutes=3) if tip.life_safety else min(item.age / 4, timedelta(hours=2))
    changes: dict[str, Any] = {"created_at": created}
    if tip.acknowledged_at:
        changes["acknowledged_at"] = created + quick
        changes["ack_deadline"] = None
    if tip.triaged_at:
        changes["triaged_at"] = created + quick * 2
    if tip.closed_at:
        closed = created + item.age * 0.8
        changes["closed_at"] = closed
        changes["purge_after"] = closed + timedelta(days=services.retention_days(tip))
    Tip.objects.filter(pk=tip.pk).update(**changes)
    lines = list(Message.objects.filter(tip=tip).order_by("pk"))
    for n, message in enumerate(lines, start=1):
        at = created + quick + (item.age - quick) * (n / (len(lines) + 1))
        Message.objects.filter(pk=message.pk).update(created_at=at)
    tip.attachments.update(created_at=created)


def _load_settings(district: District, schools: dict[str, School], users: dict[str, Any]) -> None:
    """The rota (school hours and after hours), each school's limits, retention, saved replies."""
    rota = {
        "northside-high": [
            (1, "counselor", OnCallShift.When.SCHOOL_HOURS),
            (1, "sro", OnCallShift.When.AFTER_HOURS),
            (2, "principal", OnCallShift.When.ALWAYS),
        ],
        "riverside-middle": [
            (1, "counselor2", OnCallShift.When.SCHOOL_HOURS),
            (1, "sro2", OnCallShift.When.AFTER_HOURS),
            (2, "principal2", OnCallShift.When.ALWAYS),
        ],
    }
    for slug, shifts in rota.items():
        school = schools.get(slug)
        if school is None:
            continue
        SchoolTipSettings.objects.get_or_create(school=school)
        for tier, username, when in shifts:
            if username in users:
                OnCallShift.objects.get_or_create(
                    school=school, tier=tier, user=users[username], when=when
                )
    # Retention after closing: longer for what may come back (threats, weapons, abuse).
    years: dict[str, int] = {
        Category.VIOLENCE_THREAT: 7,
        Category.WEAPON: 7,
        Category.ABUSE_NEGLECT: 7,
        Category.SELF_HARM: 5,
        Category.DATING_VIOLENCE: 5,
    }
    for category in Category.values:
        RetentionPolicy.objects.get_or_create(
            district=district, category=category, defaults={"days": 365 * years.get(category, 3)}
        )
    replies = [
        ("Thank you", "Thank you for telling us. We are looking into it."),
        ("Are you safe?", "Are you safe right now? If anyone is in danger, call 911."),
        ("More detail", "Can you tell us when and where this happened, and who was there?"),
        ("Gracias", "Gracias por avisarnos. Lo estamos revisando."),
        ("¿Estás a salvo?", "¿Estás a salvo ahora mismo? Si alguien corre peligro, llama al 911."),
        ("988", "If you or a friend are thinking about suicide, call or text 988, any time."),
    ]
    for title, body in replies:
        SavedReply.objects.get_or_create(district=district, title=title, defaults={"body": body})
