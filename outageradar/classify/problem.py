"""Problem-type tagger for outage posts: connectivity, login, messaging, app_crash, performance, payments, power,
tv_video or other (definitions in the labelling guide).

Approach
--------
Rule/lexicon based, so it is fast (one regex pass) and needs no training data. Each type has a lexicon; the text is
normalised with :func:`outageradar.classify.text.normalise` (so "can't"/"cannot"/"cant" and "workin" are one form)
and scanned once with a combined regex that records which types fire. The type is then chosen by an explicit
precedence that goes from the most specific to the most generic evidence:

1. ``power`` — electricity is named (no power/electricity, power outage/cut, blackout, utility words; not "power
   cycle"). Wins over everything except when power is named as the *cause* of a telecom failure ("data is down
   every time there is a power outage" -> connectivity).
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

import re
from typing import Final

from outageradar.classify.text import normalise

PROBLEM_TYPES: Final = ("connectivity", "login", "messaging", "app_crash", "performance", "payments", "power",
                        "tv_video", "other")

_PARTS: Final = {
    "power": r"\bpower\s*(?:outages?|cuts?|failures?|is out|went out|goes out|out|off|is off|went off|lines?|grid"
    r"|restored|back|supply)\b"
    r"|\b(?:no|without|lost|losing|w/o|restore|restoring)\s+(?:\w+\s+)?(?:power|electricity|light|lights)\b"
    r"|\belectric(?:ity|al)?\b|\bblackouts?\b|\bnepa\b|\bphcn\b|\bload ?shedding\b|\bgrid\b|\butility\b"
    r"|\butilities\b|\blights (?:are |went |go )?out\b|#\w*nopower\w*",
    "power_cycle": r"\bpower (?:cycle|cycled|cycling|button|supply unit|adapter|cord)\b",
    "payments": r"\b(?:payments?|transactions?|deposits?|withdraw(?:al|als|ing)?|transfers?|mobile ?money|airtel ?money"
    r"|momo|mm|card (?:was |keeps getting |is )?(?:declined|declnd)|declined|declnd|banking|atms?|ebt|food stamps"
    r"|pay(?:ing)? (?:bills?|with)|units for yaka)\b",
    "login": r"\b(?:log ?in|login|logging in|log on|sign ?in|signing in|signin|password|passcode|authenticat\w*|0fa"
    r"|two factor|verification code|otp|locked out|account locked|credentials|sign me in|recogni[sz]e\w* (?:my |a |"
    r"\w+ )*account)\b",
    "messaging": r"\b(?:imessages?|sms|texts? (?:wont|arent|not|dont|keep|fail)\w*|texting|voicemail|whatsapp|facetime"
    r"|(?:cant|cannot|unable to|not able to|no|wont|not) (?:make|receive|send|get|place)? ?(?:phone )?calls?"
    r"|calls? (?:in or out|drop\w*|fail\w*|not going through|wont go through|keep dropping)|dropped calls?"
    r"|messages? (?:wont|arent|not|dont|keep|fail)\w*|(?:emails?|e-mails?) (?:wont|arent|not|dont|keep|fail)\w*)",
    "tv_video": r"\b(?:tv|television|cable box|channels?|dvr|netflix|hulu|video|videos|picture|pixelat\w*|on demand"
    r"|ondemand|directv|dish|hd|sd|nbc|abc|cbs|espn|fox|hbo|broadcast|announcers?|the game|big game|code 0)\b",
    "performance": r"\b(?:slow(?:er|est|ly)?|sluggish|lag(?:gy|ging|s)?|buffer(?:ing|s)?|speeds?|mbps|kbps|latency"
    r"|ping|packet loss|throttl\w*|crawl(?:ing)?|takes? forever|took me|unstable|speed ?test|upload|0 down"
    r"|choppy|barely working|bad internet|shitty internet|crappy)\b",
    "app_crash": r"\b(?:app|apps|application|website|site|webpage|page|crash(?:ed|es|ing)?|freez\w*|froze|error|errors"
    r"|bug|glitch\w*|wont (?:load|open)|not loading|download|install|corrupted|keeps? spinning|itunes|app store"
    r"|icloud|technical issue|software|product)\b",
    "no_connection": r"\b(?:no|without|lost|losing)\s+(?:\w+\s+)?(?:internet|wifi|signal|service|connection|network"
    r"|data|access)\b|\b(?:cant|unable to|wont|not) (?:connect|get online|join|browse)|\b(?:disconnect\w*|offline"
    r"|drop(?:s|ped|ping)?|timed out)\b",
    "connectivity": r"\b(?:internet|wifi|wi fi|network|signal|service|connection|connect(?:ed|ing)?|modem|router"
    r"|broadband|mifi|lte|0g|g|data|online|ethernet|reception|bars|hotspot|fibre|fiber|nbn|servers?"
    r"|mtnug|mtn|airtelug|airtel|spectranet\w*|tizeti|smile|glo|ipnx|comcast\w*|xfinity|spectrum|cox\w*|verizon\w*"
    r"|att|sprint\w*|tmobile\w*|suddenlink|centurylink|telstra|iinet)\b",
    "outage": r"\b(?:outages?|down)\b",
    "place": r"\b(?:school|work|home|house|office|store|campus|class|classes)\b",
}
_RX = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _PARTS.items()))
_CAUSE = re.compile(r"\b(?:due to|because of|from|after|caused by|every time there is|when there is)\s+(?:a |an |the )?"
                    r"(?:\w+\s+)?(?:power outage|power cut|power failure|blackout|storm)")
_TELECOM = frozenset({"connectivity", "no_connection", "performance"})


def problem_cues(text: str) -> set[str]:
    """The lexicon groups that fire on ``text`` (for inspection and tests); ``power_cause`` when power is only
    named as the cause of another failure."""
    norm = normalise(text)
    cues = {m.lastgroup for m in _RX.finditer(norm) if m.lastgroup}
    if "power" in cues and _CAUSE.search(norm):
        cues.add("power_cause")
    return cues


def problem_type(text: str) -> str:
    """The problem type of an outage post (one of :data:`PROBLEM_TYPES`), by the precedence in the module docstring."""
    cues = problem_cues(text)
    if not cues:
        return "other"
    telecom = cues & _TELECOM
    if "power" in cues and not ("power_cause" in cues and telecom):
        return "power"
    if "payments" in cues:
        return "payments"
    if "login" in cues:
        return "login"
    if "messaging" in cues:
        return "messaging"
    if "tv_video" in cues:
        return "tv_video"
    if "performance" in cues and "no_connection" not in cues:
        return "performance"
    if "app_crash" in cues and "no_connection" not in cues:
        return "app_crash"
    if telecom:
        return "connectivity"
    if "outage" in cues and "place" in cues:
        return "power"  # "outage at work/school" with no service named: in posts like these it is the electricity
    return "other"
