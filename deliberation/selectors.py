"""Reads of the deliberation app: querysets with their joins already made (the station door: stations.selectors)."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.selectors import Viewer
from deliberation.models import FollowUpAction, Session, Support, Topic, TopicPhoto, TopicUpdate
from stations.models import Station
from stations.selectors import can_run

# Topics anyone may see with their photos: the station lead has looked at them.
PHOTO_PUBLIC_STATUSES = (
    Topic.Status.ACCEPTED,
    Topic.Status.SCHEDULED,
    Topic.Status.RESOLVED,
    Topic.Status.UNRESOLVED,
)
PAST_SESSIONS_SHOWN = 5


def _with_support_count(queryset: QuerySet[Topic]) -> QuerySet[Topic]:
    return queryset.annotate(support_count=Count("supports", distinct=True))


def stations_list(*, query: str = "") -> QuerySet[Station]:
    stations = Station.objects.filter(is_active=True).select_related("service_point")
    query = query.strip()
    if query:
        from accounts.models import Street

        streets = [value for value, label in Street.choices if query in str(label) or query == value]
        stations = stations.filter(
            Q(name__icontains=query)
            | Q(host_name__icontains=query)
            | Q(service_point__address__icontains=query)
            | Q(street__in=streets)
        )
    return stations.annotate(
        open_topics=Count("topics", filter=Q(topics__status__in=Topic.LIVE_STATUSES))
    ).order_by("name")


def station_get(*, station_id: int) -> Station:
    return Station.objects.select_related("service_point").get(pk=station_id, is_active=True)


def station_live_topics(*, station: Station) -> QuerySet[Topic]:
    return (
        _with_support_count(Topic.objects.filter(station=station, status__in=Topic.LIVE_STATUSES))
        .select_related("raised_by", "session")
        .order_by("-support_count", "-created_at", "-id")
    )


def station_answered_topics(*, station: Station) -> QuerySet[Topic]:
    return _with_support_count(Topic.objects.filter(station=station, status=Topic.Status.CLOSED)).order_by(
        "-updated_at", "-id"
    )


def _agenda() -> Prefetch:
    return Prefetch(
        "agenda",
        queryset=_with_support_count(Topic.objects.all())
        .order_by("created_at", "id")
        .prefetch_related(Prefetch("followups", queryset=FollowUpAction.objects.order_by("due_on", "id"))),
    )


def station_coming_sessions(*, station: Station) -> QuerySet[Session]:
    return (
        Session.objects.filter(station=station, ends_at__gte=timezone.now())
        .select_related("event")
        .prefetch_related(_agenda())
        .order_by("starts_at", "id")
    )


def station_past_sessions(*, station: Station) -> QuerySet[Session]:
    return (
        Session.objects.filter(station=station, ends_at__lt=timezone.now())
        .prefetch_related(_agenda())
        .order_by("-starts_at", "-id")[:PAST_SESSIONS_SHOWN]
    )


def topic_get(*, topic_id: int) -> Topic:
    return (
        _with_support_count(Topic.objects.all())
        .select_related("station", "raised_by", "session")
        .prefetch_related(
            Prefetch("photos", queryset=TopicPhoto.objects.order_by("id")),
            Prefetch("updates", queryset=TopicUpdate.objects.order_by("created_at", "id")),
            Prefetch("followups", queryset=FollowUpAction.objects.order_by("due_on", "id")),
        )
        .get(pk=topic_id, station__is_active=True)
    )


def topics_of(*, user: User) -> QuerySet[Topic]:
    """What the worker raised or supports, newest first."""
    return (
        _with_support_count(
            Topic.objects.filter(
                Q(raised_by=user) | Q(pk__in=Support.objects.filter(user=user).values("topic"))
            )
        )
        .select_related("station")
        .order_by("-updated_at", "-id")
    )


def has_supported(*, user: Viewer, topic: Topic) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Support.objects.filter(user=user, topic=topic).exists()


def photo_visible_to(*, photo: TopicPhoto, user: Viewer) -> bool:
    topic = photo.topic
    if topic.status in PHOTO_PUBLIC_STATUSES:
        return True
    if user is None or not user.is_authenticated:
        return False
    return topic.raised_by_id == user.pk or can_run(user, topic.station)


def people_to_tell(*, topic: Topic) -> list[User]:
    """The raiser first, then every supporter (each once)."""
    people = [topic.raised_by]
    for support in Support.objects.filter(topic=topic).select_related("user").order_by("id"):
        if support.user_id != topic.raised_by_id:
            people.append(support.user)
    return people


def topics_for_export() -> QuerySet[Topic]:
    return (
        _with_support_count(Topic.objects.all())
        .select_related("station", "raised_by", "session")
        .prefetch_related(Prefetch("followups", queryset=FollowUpAction.objects.order_by("due_on", "id")))
    )


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def topic_rollup() -> QuerySet:
    """Topics per month raised and station: how many were accepted and resolved."""
    from django.db.models import DateField, F
    from django.db.models.functions import Trunc

    Status = Topic.Status
    return (
        Topic.objects.values(
            month=Trunc("created_at", "month", output_field=DateField()),
            key=F("station_id"),
            label=F("station__name"),
            street=F("station__street"),
        )
        .annotate(
            raised=Count("pk"),
            accepted=Count("pk", filter=~Q(status=Status.OPEN)),
            resolved=Count("pk", filter=Q(status=Status.RESOLVED)),
        )
        .order_by()
    )


def followups_overdue_by_station() -> QuerySet:
    """Follow-up actions overdue now, per station."""
    from django.db.models import F

    return (
        FollowUpAction.objects.filter(status=FollowUpAction.Status.OVERDUE)
        .values(
            key=F("topic__station_id"), label=F("topic__station__name"), street=F("topic__station__street")
        )
        .annotate(overdue=Count("pk"))
        .order_by()
    )
