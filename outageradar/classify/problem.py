"""Problem-type tagger for outage posts: connectivity, login, messaging, app_crash, performance, payments, power,
tv_video or other (definitions in the labelling guide).

Approach
--------
Rule/lexicon based, so it is fast and needs no training data. Each type has a lexicon of one- to three-word phrases
(the ``p_*`` groups of :data:`outageradar.classify.text.PROBLEM_LEXICON`), looked up in the tokens of the analysis
the relevance model uses (:func:`outageradar.classify.text.analyse`: "can't"/"cannot"/"cant" and "workin" are one form
there), so scoring and tagging a post together tokenises it once
(:meth:`outageradar.classify.relevance.RelevanceModel.score_and_problem_many`). No regex runs per post (the previous
version's one big regex alternation cost ~15x more). The type is then chosen by an explicit
precedence that goes from the most specific to the most generic evidence:

1. ``power`` — electricity is named (no power/electricity, power outage/cut, blackout, utility words; not "power
   cycle"). Wins over everything except when power is named as the *cause* of a telecom failure ("data is down
   every time there is a power outage" -> connectivity: a cause phrase such as "due to", "every time", "because of"
   precedes the power words).
2. ``payments`` — transactions, payments, deposits/withdrawals, mobile money, checkout.
3. ``login`` — log in, sign in, password, authentication, verification codes, locked out.
4. ``messaging`` — texts, SMS, iMessage, calls, voicemail, e-mail not sending or arriving.
5. ``tv_video`` — TV, cable channels, streaming video, DVR, picture/sound of a broadcast.
6. ``performance`` — slow, lag, buffering, speed figures (Mbps), latency, packet loss (unless the post also says
   there is no connection at all, which is connectivity).
7. ``app_crash`` — app/website errors, crashes, freezes, won't load/open, corrupted downloads (unless there is no
   connection at all).
8. ``connectivity`` — internet/wifi/network/signal/service/connection/server words and ISP/telecom names.
9. ``power`` again for "outage at school/work/home" that names no service (in such posts it is the electricity),
   else ``other``.

The lexicons were written from the guide's definitions and refined on the dev file's outage posts, so the accuracy
on that file (benchmarks/eval_relevance.py) is an in-sample figure.
"""

from __future__ import annotations

from typing import Final

from outageradar.classify.text import problem_cues_of

PROBLEM_TYPES: Final = ("connectivity", "login", "messaging", "app_crash", "performance", "payments", "power",
                        "tv_video", "other")

_TELECOM: Final = frozenset({"p_conn", "p_noconn", "p_perf"})
_ANY: Final = frozenset({"p_power", "p_payments", "p_login", "p_messaging", "p_tv", "p_perf", "p_app", "p_noconn",
                         "p_conn", "p_outage"})


def problem_cues(text: str) -> set[str]:
    """The problem lexicon groups (``p_*``) that fire on ``text`` (for inspection and tests)."""
    return problem_cues_of(text)


def problem_from_cues(cues: set[str]) -> str:
    """The problem type given the lexicon groups of a post (by the precedence in the module docstring)."""
    if cues.isdisjoint(_ANY):
        return "other"
    if "p_power" in cues and not ("p_cause" in cues and not cues.isdisjoint(_TELECOM)):
        return "power"
    if "p_payments" in cues:
        return "payments"
    if "p_login" in cues:
        return "login"
    if "p_messaging" in cues:
        return "messaging"
    if "p_tv" in cues:
        return "tv_video"
    if "p_perf" in cues and "p_noconn" not in cues:
        return "performance"
    if "p_app" in cues and "p_noconn" not in cues:
        return "app_crash"
    if not cues.isdisjoint(_TELECOM):
        return "connectivity"
    if "p_outage" in cues and "p_place" in cues:
        return "power"  # "outage at work/school" with no service named: in posts like these it is the electricity
    return "other"


def problem_type(text: str) -> str:
    """The problem type of an outage post (one of :data:`PROBLEM_TYPES`)."""
    return problem_from_cues(problem_cues_of(text))
