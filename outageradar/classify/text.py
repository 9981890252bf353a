"""Fast, pure-Python text normalisation and feature extraction shared by the relevance model and the problem tagger.

Approach
--------
Posts are short, noisy and informal ("cant connect", "not workin", "#xboxdown", "wifi keeps droppin 2day"). Character
n-grams would absorb that noise but cost hundreds of dictionary look-ups per post; the runtime budget is a few
microseconds. So the noise is removed up front by a few guarded regex passes and a token map instead:

1. :func:`normalise` lower-cases, replaces links with ``_url_``, marks @mentions, digits with ``0``; tokens are then
   canonicalised ("can't", "cannot" -> ``cant`` via dropping apostrophes and a token map), collapses letter runs ("sooo" -> "soo") and restores dropped
   g's ("workin" -> "working") and common spellings through the same token map.
   Each mention yields ``_at_`` plus the handle itself (``@comcastcares``): whom a post is addressed to is real
   evidence (an ISP's support handle vs an airline's; cross-validation prefers keeping it).
2. :func:`tokens` splits into words; hashtags keep their ``#`` form and also yield the bare word and any outage
   suffix they end with ("#xboxdown" -> ``#xboxdown``, ``xboxdown``, ``down``).
3. :func:`features` returns the sparse binary feature set a linear model scores: word unigrams (``w:``), bigrams
   (``b:``), and *lexicon cues* (``lx:``) — outage phrases (down, outage, no service/
   signal/power, can't connect/log in, keeps dropping, error, ...), "is X down?" questions, "right now"/"again"/
   "since" cues for the present, "yesterday"/"back up"/"restored" cues for the past, advice, news, commerce and
   praise phrasing, the domain (telecom words, power words, online services, ISP/telecom handles, travel/retail
   handles), found by a token-sequence :class:`PhraseLexicon` (dict look-ups, no regex), and conjunctions such as
   ``lx:outage+past`` (an outage phrase said of the past) or ``lx:outage+telecom``. The cues generalise across
   wordings where single words are too rare in 1,000 posts.

The same functions are used when training (scikit-learn only sees the feature strings) and at inference, so the two
can never drift apart. The settings a model was trained with are stored in the model file (:data:`SETTINGS`) and
checked on load.
"""

from __future__ import annotations

import re
from typing import Final

#: bump when the feature extraction changes in a way that invalidates trained weights
FEATURE_VERSION: Final = "text-6"

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*|\b\S+\.(?:com|co|ly|net|org|ng|me)/\S*")
_MENTION = re.compile(r"@\w+")
_DIGITS = re.compile(r"\d+")
_RUNS = re.compile(r"([a-z])\1{2,}")
_ENTITY = re.compile(r"&amp;|&gt;|&lt;")
_TOKEN = re.compile(r"[#@]?[a-z0-9_]+|[?!]")
_HASH_SUFFIXES: Final = ("down", "outage", "outages", "fail", "fails", "notworking", "nointernet", "nopower",
                         "noservice", "sucks", "issues", "problems", "blackout")
#: token canonicalisation applied after apostrophes are dropped ("can't" -> "cant" already)
_CANON: Final = {
    "cannot": "cant", "aint": "isnt", "workin": "working", "connectin": "connecting", "loadin": "loading",
    "droppin": "dropping", "bufferin": "buffering", "laggin": "lagging", "crashin": "crashing",
    "freezin": "freezing", "sendin": "sending", "receivin": "receiving", "disconnectin": "disconnecting",
    "streamin": "streaming", "loggin": "logging", "goin": "going", "havin": "having", "gettin": "getting",
    "doesn": "doesnt", "isn": "isnt", "wasn": "wasnt", "didn": "didnt", "don": "dont", "won": "wont",
    "couldn": "couldnt", "haven": "havent", "hasn": "hasnt", "aren": "arent", "weren": "werent",
    "wifi": "wifi", "wi": "wifi", "internets": "internet", "intanet": "internet", "netwrk": "network",
    "ntwk": "network", "u": "you", "ur": "your", "pls": "please", "plz": "please", "rn": "rightnow",
}


def _mention_sub(match: re.Match[str]) -> str:
    return " _at_ " + match.group(0) + " "


def normalise(text: str) -> str:
    """Lower-case and canonicalise a post (see the module docstring); cheap enough to call per post."""
    t = text.lower()
    if "&" in t:
        t = _ENTITY.sub(" ", t)
    if "/" in t or "www." in t:
        t = _URL.sub(" _url_ ", t)
    if "@" in t:
        t = _MENTION.sub(_mention_sub, t)
    t = t.replace("\u2019", "").replace("'", "").replace("\u2018", "")
    t = _DIGITS.sub("0", t).replace("right now", "rightnow")
    return _RUNS.sub(r"\1\1", t)


def tokens(norm: str) -> list[str]:
    """Word tokens of a :func:`normalise`-d text, with hashtags expanded (see the module docstring)."""
    out: list[str] = []
    for tok in _TOKEN.findall(norm):
        if tok[0] == "@":
            out.append(tok)
        elif tok[0] == "#":
            word = tok[1:]
            out.append(tok)
            out.append(word)
            if len(word) > 5:
                for suf in _HASH_SUFFIXES:
                    if word.endswith(suf) and len(word) > len(suf):
                        out.append(suf)
                        break
        else:
            out.append(_CANON.get(tok, tok))
    return out


# --- lexicon cues -----------------------------------------------------------------------------------------------
class PhraseLexicon:
    """Token-sequence lexicon: named groups of phrases of one to three tokens, found in one pass with dict look-ups.

    Phrase syntax: tokens separated by spaces; ``*`` stands for *at most one* arbitrary token ("cant * connect"
    matches "cant connect" and "cant even connect"). A regex alternation over a whole post would try every branch
    at every character; this costs a few dict look-ups per token instead.
    """

    def __init__(self, groups: dict[str, tuple[str, ...]]) -> None:
        self.one: dict[str, set[str]] = {}
        self.two: dict[str, dict[str, set[str]]] = {}
        self.gap: dict[str, dict[str, set[str]]] = {}
        self.three: dict[tuple[str, str], dict[str, set[str]]] = {}
        for name, phrases in groups.items():
            for ph in phrases:
                self._add(name, ph.split())

    def _add(self, name: str, parts: list[str]) -> None:
        if "*" in parts:
            i = parts.index("*")
            without = parts[:i] + parts[i + 1:]
            self._add(name, without)
            if len(without) == 2:
                self.gap.setdefault(without[0], {}).setdefault(without[1], set()).add(name)
            return
        if len(parts) == 1:
            self.one.setdefault(parts[0], set()).add(name)
        elif len(parts) == 2:
            self.two.setdefault(parts[0], {}).setdefault(parts[1], set()).add(name)
        elif len(parts) == 3:
            self.three.setdefault((parts[0], parts[1]), {}).setdefault(parts[2], set()).add(name)
        else:
            raise ValueError(f"phrase longer than three tokens: {' '.join(parts)}")

    def find(self, toks: list[str]) -> set[str]:
        """Names of the groups with a phrase in ``toks``."""
        found: set[str] = set()
        one, two, gap, three = self.one, self.two, self.gap, self.three
        n = len(toks)
        for i, t in enumerate(toks):
            g = one.get(t)
            if g:
                found |= g
            if i + 1 < n:
                nxt = two.get(t)
                if nxt:
                    g = nxt.get(toks[i + 1])
                    if g:
                        found |= g
                if i + 2 < n:
                    nxt = gap.get(t)
                    if nxt:
                        g = nxt.get(toks[i + 2])
                        if g:
                            found |= g
                    nxt = three.get((t, toks[i + 1])) if three else None
                    if nxt:
                        g = nxt.get(toks[i + 2])
                        if g:
                            found |= g
        return found


def _cross(first: str, second: str) -> tuple[str, ...]:
    return tuple(f"{a} * {b}" for a in first.split() for b in second.split())


_NEG = "not isnt arent wasnt doesnt dont didnt wont stopped nothing never cant couldnt"
_WORKV = "working work works load loading connect connecting open opening respond responding send sending"
_CANTV = ("connect log login sign access load get make send receive call stream watch play reach browse open use "
          "download upload stay join")
_NOS = ("internet wifi service signal network connection power electricity light lights cable tv data phone calls "
        "call reception lte 0g sound picture access response")
_LEX_GROUPS: Final = {
    "question_down": ("down ?", "down * ?", "out ?", "offline ?", "anyone else", "anybody else", "everyone else",
                      "just me", "there an outage", "is there outage", "any outage", "any outages",
                      "an outage in", "outage in my", "outages in") + _cross("is are", "down offline"),
    "not_working": _cross(_NEG, _WORKV) + ("not working", "stopped working", "go through", "doesnt work"),
    "cant_action": _cross("cant couldnt unable", _CANTV) + _cross("to", "connect login") + ("not able", "failed to",
                                                                                           "fails to", "failing to"),
    "no_service": _cross("no without lost losing zero lose", _NOS) + ("loss of",),
    "outage_word": ("outage", "outages", "blackout", "downtime", "offline", "disruption", "disconnect",
                    "disconnected", "disconnecting", "disconnects", "unreachable", "unavailable", "interruption",
                    "intermittent", "went out", "goes out", "is out", "are out", "knocked out", "been out",
                    "#outage", "nointernet", "nopower", "noservice", "notworking"),
    "down_word": _cross("is are been went goes be go still was were being keeps", "down")
    + ("down again", "down for", "down since", "down all", "down today", "down in", "down here", "down rightnow"),
    "dropping": _cross("keep keeps", "dropping disconnecting crashing freezing buffering failing cutting kicking "
                       "logging restarting timing") + _cross("dropped dropping drops", "calls call connection "
                                                                                           "signal out every"),
    "error": ("error", "errors", "err", "crash", "crashed", "crashes", "crashing", "freezes", "freezing", "froze",
              "glitch", "glitching", "glitchy", "bug", "buggy", "timed out", "timeout", "fail", "failed", "failing",
              "fails", "failure"),
    "slow": ("slow", "slowest", "sluggish", "lag", "laggy", "lagging", "buffer", "buffering", "speed", "speeds",
             "mbps", "latency", "ping"),
    "fix_request": ("fix it", "fix this", "fix your", "fix the", "eta", "restore", "any update", "whats going",
                    "what happened", "whats up with", "when will", "please fix", "help"),
    "now": ("rightnow", "currently", "at the moment", "atm", "still", "again", "since", "all day", "all night",
            "this morning", "this evening", "tonight", "today", "for 0", "for hours", "for days", "past 0", "now",
            "hours", "hour", "days"),
    "past": ("yesterday", "last week", "last night", "last month", "last year", "last time", "was down",
             "were down", "had an outage", "back up", "back on", "is back", "are back", "came back", "working again",
             "fixed", "resolved", "restored", "finally", "ago", "earlier this"),
    "advice": ("in case of", "prepare", "prepared", "tips", "tip", "emergency kit", "be ready", "make sure",
               "during * outage", "during outages", "safety"),
    "news": ("report", "reports", "reported", "according to", "hack", "hacked", "hackers", "stolen", "funds",
             "investigation", "announced", "statement", "breaking", "news"),
    "commerce": ("order", "ordered", "delivery", "delivered", "package", "refund", "bill", "billing", "charged",
                 "price", "flight", "bag", "luggage", "seat", "on hold", "customer service", "rude", "agent"),
    "telecom": ("internet", "wifi", "network", "signal", "broadband", "modem", "router", "mifi", "lte", "0g", "data",
                "connection", "bandwidth", "fibre", "fiber", "ethernet", "packet loss", "reception", "bars"),
    "power": ("power", "electricity", "electric", "blackout", "lights", "grid", "utility", "utilities", "nepa",
              "phcn"),
    "online": ("app", "server", "servers", "website", "site", "page", "online", "psn", "xbox live", "imessage",
               "icloud", "itunes", "spotify", "netflix", "account", "update", "ios"),
    "brand_isp": ("mtnug", "airtelug", "africell", "spectranet", "tizeti", "xfinity", "comcast", "suddenlink",
                  "centurylink", "spectrum", "@comcastcares", "@xfinity", "@xfinitysupport", "@ask_spectrum",
                  "@spectrum", "@coxhelp", "@coxcomm", "@verizonsupport", "@verizon", "@att", "@attcares",
                  "@sprintcare", "@tmobile", "@tmobilehelp", "@suddenlink", "@suddenlinkhelp", "@centurylink",
                  "@spectranet_ng", "@tizeti", "@wifisupport0", "@airtel_care", "@airtelnigeria", "@mtnng",
                  "@virginmedia", "@bt_uk", "@skyhelpteam", "@ipnxtweet"),
    "brand_travel": ("@delta", "@americanair", "@british_airways", "@southwestair", "@united", "@alaskaair",
                     "@virginatlantic", "@virgintrains", "@nationalrailenq", "@uber_support", "@amazonhelp",
                     "@chipotletweets", "@upshelp", "@fedex", "@usps", "@jetblue"),
    "praise": ("thanks", "thank", "thx", "love", "great", "awesome", "appreciate", "amazing", "best"),
}
LEXICON: Final = PhraseLexicon(_LEX_GROUPS)
_OUTAGE_CUES: Final = frozenset(
    {"question_down", "not_working", "cant_action", "no_service", "outage_word", "down_word", "dropping", "error"}
)

#: settings stored with a trained model; loading refuses a model trained with different ones
SETTINGS: Final = {"feature_version": FEATURE_VERSION, "bigrams": True, "lexicon": True, "handles": True}


def lexicon_cues(toks: list[str]) -> set[str]:
    """Names of the lexicon cues found in a token list from :func:`tokens`."""
    return LEXICON.find(toks)


def features(text: str) -> list[str]:
    """The binary feature strings of a raw post (duplicates possible; callers treat them as a set)."""
    norm = normalise(text)
    toks = tokens(norm)
    feats = ["w:" + t for t in toks]
    prev = "<s>"
    for t in toks:
        feats.append("b:" + prev + " " + t)
        prev = t
    cues = LEXICON.find(toks)
    if "?" in toks and ("down" in toks or "outage" in toks or "offline" in toks or "working" in toks):
        cues.add("question_down")  # "is xbox live down right now?": a question about an outage, any word order
    if cues:
        outage = cues & _OUTAGE_CUES
        for c in cues:
            feats.append("lx:" + c)
        if outage:
            feats.append("lx:any_outage")
            if len(outage) > 1:
                feats.append("lx:multi_outage")
            if "past" in cues:
                feats.append("lx:outage+past" if "now" not in cues else "lx:outage+past+now")
            if "now" in cues:
                feats.append("lx:outage+now")
            for c in ("advice", "news", "commerce", "praise", "telecom", "power", "online", "brand_isp",
                      "brand_travel"):
                if c in cues:
                    feats.append("lx:outage+" + c)
        else:
            feats.append("lx:no_outage")
    else:
        feats.append("lx:none")
    if len(toks) < 4:
        feats.append("len:short")
    return feats
