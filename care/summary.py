"""Session-prep summaries: short sentences generated from structured data, each with its source.

No free text the youth wrote is ever quoted: the summary counts and compares. A sentence is
built only from scopes the caller says are open (the view passes what `care.permissions`
allowed), so nothing the youth did not consent to share can reach the clinician's record.
Flags are included whatever the scopes: they are the clinic's own safety record, already in the
clinician's moderation queue, and the sentence names only tier and date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from community import selectors as community_selectors
from journeys import selectors as journey_selectors
from moderation import selectors as moderation_selectors
from toolkit import selectors as toolkit_selectors


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    url: str  # where the figure comes from
    source: str  # the scope (or "flags") it was built from


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until, dt.time.max))
    return start, end


def summary_build(
    *, youth: User, since: dt.date, until: dt.date, scopes: set[str], language: str = "da"
) -> list[Sentence]:
    """The sentences for [since, until], in a fixed order: flags, check-ins, journeys, toolkit,
    reflections, posts, activity. Empty sections leave a sentence saying so, so a quiet period
    is visible rather than silently missing.
    """
    start, end = _bounds(since, until)
    yid = youth.pk
    out: list[Sentence] = []
    flags = moderation_selectors.flags_for_youth(youth_id=yid, since=start, until=end)
    flag_url = reverse("care:youth_flags", args=[yid])
    if flags:
        crisis = sum(1 for f in flags if f.tier == "crisis")
        open_count = sum(1 for f in flags if f.is_open)
        out.append(
            Sentence(
                ngettext(
                    "%(n)s bekymringsmarkering oprettet i perioden.",
                    "%(n)s bekymringsmarkeringer oprettet i perioden.",
                    len(flags),
                )
                % {"n": len(flags)},
                flag_url,
                "flags",
            )
        )
        if crisis:
            out.append(
                Sentence(
                    ngettext(
                        "%(n)s af dem var på kriseniveau.",
                        "%(n)s af dem var på kriseniveau.",
                        crisis,
                    )
                    % {"n": crisis},
                    flag_url,
                    "flags",
                )
            )
        if open_count:
            out.append(
                Sentence(
                    ngettext(
                        "%(n)s af dem er stadig åben.",
                        "%(n)s af dem er stadig åbne.",
                        open_count,
                    )
                    % {"n": open_count},
                    flag_url,
                    "flags",
                )
            )
    else:
        out.append(Sentence(_("Ingen bekymringsmarkeringer i perioden."), flag_url, "flags"))
    if "checkins" in scopes:
        out.extend(_checkin_sentences(youth, since, until))
    if "journeys" in scopes:
        out.extend(_journey_sentences(youth, start, end, language))
    if "toolkit" in scopes:
        out.extend(_toolkit_sentences(youth, start, end, language))
    if "reflections" in scopes:
        count = sum(
            1
            for r in journey_selectors.reflections_for_youth(youth=youth)
            if start <= r.updated_at <= end
        )
        out.append(
            Sentence(
                ngettext(
                    "%(n)s refleksion skrevet eller ændret.",
                    "%(n)s refleksioner skrevet eller ændret.",
                    count,
                )
                % {"n": count},
                reverse("care:youth_section", args=[yid, "reflections"]),
                "reflections",
            )
        )
    if "posts" in scopes:
        posts = community_selectors.post_list_by_author(author_id=yid, limit=500)
        count = sum(1 for p in posts if start <= p.created_at <= end)
        out.append(
            Sentence(
                ngettext(
                    "%(n)s indlæg eller kommentar i fællesskabet.",
                    "%(n)s indlæg og kommentarer i fællesskabet.",
                    count,
                )
                % {"n": count},
                reverse("care:youth_section", args=[yid, "posts"]),
                "posts",
            )
        )
    if "activity" in scopes and youth.last_login:
        out.append(
            Sentence(
                _("Sidst logget ind %(day)s.") % {"day": timezone.localdate(youth.last_login)},
                reverse("care:youth", args=[yid]),
                "activity",
            )
        )
    return out


def _checkin_sentences(youth: User, since: dt.date, until: dt.date) -> list[Sentence]:
    url = reverse("care:youth_section", args=[youth.pk, "checkins"])
    series = toolkit_selectors.checkin_series(youth=youth, since=since, until=until)
    out: list[Sentence] = []
    if not series:
        out.append(Sentence(_("Ingen check-ins i perioden."), url, "checkins"))
    else:
        moods = [row["mood"] for row in series]
        half = max(1, len(moods) // 2)
        first, last = moods[:half], moods[half:] or moods[-1:]
        first_mean = sum(first) / len(first)
        last_mean = sum(last) / len(last)
        if last_mean <= first_mean - 1:
            direction = _("faldende")
        elif last_mean >= first_mean + 1:
            direction = _("stigende")
        else:
            direction = _("nogenlunde stabilt")
        out.append(
            Sentence(
                ngettext(
                    "%(n)s check-in; humøret lå i gennemsnit på %(mean)s af 10 og var "
                    "%(direction)s (%(first)s → %(last)s).",
                    "%(n)s check-ins; humøret lå i gennemsnit på %(mean)s af 10 og var "
                    "%(direction)s (%(first)s → %(last)s).",
                    len(moods),
                )
                % {
                    "n": len(moods),
                    "mean": f"{sum(moods) / len(moods):.1f}",
                    "direction": direction,
                    "first": f"{first_mean:.1f}",
                    "last": f"{last_mean:.1f}",
                },
                f"{url}#checkin-{series[-1]['checkin_id']}",
                "checkins",
            )
        )
    start, end = _bounds(since, until)
    for row in toolkit_selectors.who5_series(youth=youth):
        if start <= row["completed_at"] <= end:
            out.append(
                Sentence(
                    _("WHO-5 (%(timepoint)s): %(pct)s%%.")
                    % {"timepoint": row["timepoint"], "pct": row["percentage"]},
                    f"{url}#who5-{row['response_id']}",
                    "checkins",
                )
            )
    return out


def _journey_sentences(
    youth: User, start: dt.datetime, end: dt.datetime, language: str
) -> list[Sentence]:
    url = reverse("care:youth_section", args=[youth.pk, "journeys"])
    progress = journey_selectors.progress_for_youth(youth=youth).values()
    steps = journey_selectors.step_completions_between(youth_id=youth.pk, since=start, until=end)
    out: list[Sentence] = []
    completed = [p for p in progress if p.completed_at and start <= p.completed_at <= end]
    started = [p for p in progress if start <= p.started_at <= end]
    out.append(
        Sentence(
            ngettext(
                "%(n)s trin gennemført i rejser.", "%(n)s trin gennemført i rejser.", len(steps)
            )
            % {"n": len(steps)},
            url,
            "journeys",
        )
    )
    if started:
        out.append(
            Sentence(
                ngettext(
                    "%(n)s rejse startet i perioden.",
                    "%(n)s rejser startet i perioden.",
                    len(started),
                )
                % {"n": len(started)},
                url,
                "journeys",
            )
        )
    for p in completed:
        out.append(
            Sentence(
                _("Afsluttede rejsen “%(title)s”.") % {"title": p.journey.title_in(language)},
                f"{url}#journey-{p.journey_id}",
                "journeys",
            )
        )
    return out


def _toolkit_sentences(
    youth: User, start: dt.datetime, end: dt.datetime, language: str
) -> list[Sentence]:
    url = reverse("care:youth_section", args=[youth.pk, "toolkit"])
    uses = toolkit_selectors.strategy_use_summary(
        youth=youth, since=start, until=end, language=language
    )
    if not uses:
        return [Sentence(_("Værktøjskassen blev ikke brugt i perioden."), url, "toolkit")]
    out = []
    for row in uses[:3]:
        change = row["average_change"]
        change_text = (
            _("humøret ændrede sig i gennemsnit %(change)+.1f") % {"change": change}
            if change is not None
            else _("ingen måling efter brug")
        )
        out.append(
            Sentence(
                ngettext(
                    "Brugte “%(title)s” %(n)s gang; %(change)s.",
                    "Brugte “%(title)s” %(n)s gange; %(change)s.",
                    row["uses"],
                )
                % {"title": row["title"], "n": row["uses"], "change": change_text},
                f"{url}#strategy-{row['strategy_id']}",
                "toolkit",
            )
        )
    return out


def summary_plain_text(sentences: list[Sentence], *, base_url: str = "") -> str:
    """The copyable text: one sentence a line, each with its source in brackets."""
    header = _("Automatisk genereret opsummering fra Sammen (tal, ikke vurderinger).")
    lines = [header] + [f"- {s.text} [{base_url}{s.url}]" for s in sentences]
    return "\n".join(lines)
