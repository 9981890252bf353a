"""Fast, pure-Python text analysis shared by the relevance model and the problem tagger: one pass per post.

Approach
--------
Posts are short, noisy and informal ("cant connect", "not workin", "#xboxdown", "wifi keeps droppin 2day"). Character
n-grams would absorb that noise but cost hundreds of dictionary look-ups per post (and did not score better in
cross-validation); the runtime budget is a few microseconds for everything. So a post is analysed **once**
(:func:`analyse`) into its token list, token set and relevance-lexicon cues; the relevance model scores that, and the
problem tagger looks its own lexicon up in the same tokens.

1. Normalisation works on ASCII *bytes*, where CPython's ``bytes.translate`` and ``bytes.split`` are single C
   loops: the text is encoded with non-ASCII characters dropped (curly apostrophes vanish, so "can’t" -> ``cant``;
   emoji disappear), links become ``_url_`` (one guarded regex), HTML entities are blanked, ``?`` and ``!`` are spaced
   out to be tokens of their own, and one translate table lower-cases, turns other punctuation into spaces, every
   digit into ``0`` ("4g" -> ``0g``, "12" -> ``00``) and deletes ``'``; "right now" becomes ``rightnow``.
   ``bytes.split`` yields the tokens. :func:`analyse_many` runs these buffer-level steps once for a batch of posts
   joined by NUL and splits the result (the same tokens, less per-post overhead). Hashtags keep their ``#`` form and
   add the bare word and any outage suffix they end with ("#xboxdown" -> ``#xboxdown`` ... ``xboxdown``, ``down``,
   appended at the end). Only when the token set meets the small canonicalisation map ("cannot" -> ``cant``, "workin"
   -> ``working``, "u" -> ``you``) is a per-token loop run. A post with an @mention gets the pseudo-token ``_at_``;
   the handle itself stays a token (``@comcastcares``): whom a post is addressed to is real evidence (an ISP's support
   handle vs an airline's).
2. Lexicon cues are found by :class:`PhraseLexicon`: one set intersection (a C loop) finds the post's words that
   are one-word phrases or *anchor* a longer phrase (its rarest word); only those are visited, and neighbours are
   looked up in small dicts. :data:`LEXICON` holds the relevance cues (outage phrases: down, outage, out, no
   service/signal/power, can't connect/log in, keeps dropping, error, "is X down?" questions, present/past-tense
   cues, advice, news, commerce, praise, domain words and support handles); :data:`PROBLEM_LEXICON` the problem-type
   cues (``p_*`` groups, read by :mod:`~outageradar.classify.problem`).
3. :func:`features` (training and :meth:`~outageradar.classify.relevance.RelevanceModel.explain`) turns an analysis
   into feature strings: word unigrams (``w:``), lexicon cues and their conjunctions (``lx:``, e.g.
   ``lx:outage+past``: an outage phrase said of the past) and ``len:short``. Word bigrams were dropped in text-7:
   cross-validation on the dev file scored the same without them (F1 0.741 vs 0.740) and they cost a third of the
   scoring time. The runtime scorer computes exactly the same feature set from the same analysis, with unigram
   weights keyed by the token bytes (a test checks both agree). The settings a model was trained with are stored in
   the model file (:data:`SETTINGS`) and checked on load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Final, NamedTuple

#: bump when the feature extraction changes in a way that invalidates trained weights
FEATURE_VERSION: Final = "text-7"

_URL = re.compile(rb"(?:https?://|www\.|pic\.twitter\.com/)[^\s\x00]*")
_ENTITY = re.compile(rb"&(?:amp|gt|lt|quot);")
_HASHTAG = re.compile(rb"#([a-z0-9_]+)")
_KEEP: Final = b"abcdefghijklmnopqrstuvwxyz0123456789_#@?!"


def _table() -> bytes:
    tab = bytearray(b" " * 256)
    for c in _KEEP:
        tab[c] = c
    for c in range(ord("A"), ord("Z") + 1):
        tab[c] = c + 32  # lower-case
    for d in b"123456789":
        tab[d] = ord("0")
    return bytes(tab)


_TABLE: Final = _table()
_TABLE_NUL: Final = b"\x00" + _TABLE[1:]  # keeps the NUL that separates posts in a batch
_HASH_SUFFIXES: Final = tuple(s.encode() for s in (
    "down", "outage", "outages", "fail", "fails", "notworking", "nointernet", "nopower", "noservice", "sucks",
    "issues", "problems", "blackout"))
#: token canonicalisation applied after apostrophes are dropped ("can't" -> "cant" already)
_CANON_STR: Final = {
    "cannot": "cant", "aint": "isnt", "workin": "working", "connectin": "connecting", "loadin": "loading",
    "droppin": "dropping", "bufferin": "buffering", "laggin": "lagging", "crashin": "crashing",
    "freezin": "freezing", "sendin": "sending", "receivin": "receiving", "disconnectin": "disconnecting",
    "streamin": "streaming", "loggin": "logging", "goin": "going", "havin": "having", "gettin": "getting",
    "doesn": "doesnt", "isn": "isnt", "wasn": "wasnt", "didn": "didnt", "don": "dont", "won": "wont",
    "couldn": "couldnt", "haven": "havent", "hasn": "hasnt", "aren": "arent", "weren": "werent",
    "wi": "wifi", "internets": "internet", "intanet": "internet", "netwrk": "network",
    "ntwk": "network", "u": "you", "ur": "your", "pls": "please", "plz": "please", "rn": "rightnow",
    "cnt": "cant",
}
_CANON: Final = {k.encode(): v.encode() for k, v in _CANON_STR.items() if k != v}
_CANON_KEYS: Final = frozenset(_CANON)
_AT: Final = b"_at_"


class Analysis(NamedTuple):
    """One post analysed: its tokens (bytes, in order), their set (with ``_at_`` when the post mentions someone)
    and the names of the lexicon groups found."""

    toks: list[bytes]
    uni: set[bytes]
    cues: set[str]


def _clean(b: bytes, table: bytes = _TABLE) -> bytes:
    """The buffer-level steps of the normalisation (links, entities, ``?``/``!``, the translate table, "right now");
    ``b`` is the ASCII-encoded text, or several joined by NUL (see :func:`_cleaned`)."""
    if b"/" in b:
        b = _URL.sub(b" _url_ ", b)
    if b"&" in b:
        b = _ENTITY.sub(b" ", b)
    b = b.replace(b"?", b" ? ").replace(b"!", b" ! ").translate(table, b"'")
    if b"right now" in b:
        b = b.replace(b"right now", b"rightnow")
    return b


def _split(b: bytes) -> list[bytes]:
    """Tokens of one cleaned post, hashtag expansions appended."""
    toks = b.split()
    if b"#" in b:
        for tag in _HASHTAG.findall(b):
            toks.append(tag)
            if len(tag) > 5 and tag.endswith(_HASH_SUFFIXES):
                for suf in _HASH_SUFFIXES:
                    if tag.endswith(suf) and len(tag) > len(suf):
                        toks.append(suf)
                        break
    return toks


def _cleaned(texts: list[str]) -> list[bytes]:
    """:func:`_clean` of each text, done on all of them at once (joined by NUL, one C call per step, then split) —
    the same bytes as one by one, as long as no text holds a NUL (then they are done one by one)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return [_clean(t.encode("ascii", "ignore")) for t in texts]
    return _clean(joined.encode("ascii", "ignore"), _TABLE_NUL).split(b"\x00")


def tokenise(text: str) -> list[bytes]:
    """The tokens of a raw post (ASCII bytes) with hashtags expanded, before the canonicalisation of :func:`analyse`
    (see the module docstring)."""
    return _split(_clean(text.encode("ascii", "ignore")))


def _canon(toks: list[bytes]) -> list[bytes]:
    get = _CANON.get
    return [get(t, t) for t in toks]


def normalise(text: str) -> str:
    """The normalised text: the tokens of :func:`analyse` joined by spaces (for inspection)."""
    return " ".join(tokens(text))


def tokens(text: str) -> list[str]:
    """The canonical tokens of a raw post as strings (as :func:`analyse` sees them)."""
    return [t.decode("ascii") for t in analyse(text).toks]


# --- lexicon cues -----------------------------------------------------------------------------------------------
#: the most frequent tokens of social-media posts, most frequent first (document frequency >= 2% in the dev and
#: extra posts). Only used to pick which word of a phrase to look up first (the rarest); it cannot change a match.
_COMMON: Final = tuple(w.encode() for w in (
    "the to i you is a and my airtelug for in mtnug _url_ of it your this on have me with ? that but ! network 0 not "
    "are no its so at just be africellug can was do from when please now money what am how all get cant been dont has "
    "thanks if service we why im one internet or they an up thank will time airtel like out work about as g customer "
    "even number still there help know guys us call any need data back today @0 mtn make outage more off good line "
    "our mobile phone here only people had by after day ive yet because new since want got care days some who too "
    "power use these calls").split())
_RANK: Final = {w: i for i, w in enumerate(_COMMON)}


class PhraseLexicon:
    """Token-sequence lexicon: named groups of phrases of one to three tokens, found with few dict look-ups.

    Phrase syntax: tokens separated by spaces; ``*`` stands for *at most one* arbitrary token ("cant * connect"
    matches "cant connect" and "cant even connect"). One-word phrases are found by intersecting the post's token set
    with the lexicon's (a C loop). A longer phrase is filed under its rarest word (its *anchor*, by
    :data:`_COMMON`); only anchors present in the post are visited, and at each of their positions the neighbouring
    tokens are looked up in small dicts. A regex alternation would try every branch at every character instead.
    """

    def __init__(self, groups: dict[str, tuple[str, ...]]) -> None:
        self.one: dict[bytes, frozenset[str]] = {}
        #: anchor -> (left1, left2, right1, right2, triples): {word before: groups}, {word two before: groups},
        #: {word after: groups}, {word two after: groups}, [(anchor offset, (w0, w1, w2), groups)]
        self.anchors: dict[bytes, tuple[dict, dict, dict, dict, list]] = {}
        #: anchor -> the other words of its phrases: a post without any of them cannot hold one of its phrases
        self.partners: dict[bytes, frozenset[bytes]] = {}
        acc: dict[tuple, set[str]] = {}
        for name, phrases in groups.items():
            for ph in phrases:
                self._add(acc, name, [p.encode("ascii") for p in ph.split()])
        big = len(_RANK)
        for key, names in acc.items():
            kind, parts = key[0], key[1:]
            fz = frozenset(names)
            if kind == 1:
                self.one[parts[0]] = fz
                continue
            # the anchor: the rarest word (not in _COMMON, or latest in it); ties -> the later word
            k = max(range(len(parts)), key=lambda j: (_RANK.get(parts[j], big), j))
            self.partners[parts[k]] = self.partners.get(parts[k], frozenset()) | {p for j, p in enumerate(parts)
                                                                                   if j != k}
            left1, left2, right1, right2, tri = self.anchors.setdefault(parts[k], ({}, {}, {}, {}, []))
            if kind == 4:
                tri.append((k, tuple(parts), fz))
                continue
            side = (left1 if kind == 2 else left2) if k == 1 else (right1 if kind == 2 else right2)
            other = parts[0] if k == 1 else parts[1]
            side[other] = side[other] | fz if other in side else fz
        self.one_keys = frozenset(self.one)
        self.anchor_keys = frozenset(self.anchors)
        #: every word that can start a look-up (a one-word phrase or an anchor)
        self.keys = self.one_keys | self.anchor_keys
        #: word -> (its one-word groups or None, its partners or None, its anchored phrases or None): one look-up
        self.info = {w: (self.one.get(w), self.partners.get(w), self.anchors.get(w)) for w in self.keys}

    @staticmethod
    def _add(acc: dict[tuple, set[str]], name: str, parts: list[bytes]) -> None:
        if b"*" in parts:
            i = parts.index(b"*")
            without = parts[:i] + parts[i + 1:]
            PhraseLexicon._add(acc, name, without)
            if len(without) != 2:
                raise ValueError(f"a gap needs exactly two words around it: {parts!r}")
            acc.setdefault((3, without[0], without[1]), set()).add(name)
            return
        if not 1 <= len(parts) <= 3:
            raise ValueError(f"phrase of {len(parts)} tokens: {parts!r}")
        acc.setdefault((len(parts) if len(parts) < 3 else 4, *parts), set()).add(name)

    def find(self, toks: list[bytes], uni: set[bytes], present: set[bytes] | None = None) -> set[str]:
        """Names of the groups with a phrase in ``toks``. ``uni`` is their set; ``present`` may pass a superset of
        ``uni & self.keys`` already computed (the words of the post that occur in the lexicon)."""
        found: set[str] = set()
        if present is None:
            present = uni & self.keys
        info = self.info
        n = len(toks)
        for w in present:
            rec = info.get(w)
            if rec is None:
                continue
            g, p, anchored = rec
            if g:
                found |= g
            if p is None or p.isdisjoint(uni):
                continue
            left1, left2, right1, right2, tri = anchored
            if toks.count(w) == 1:
                where: Iterable[int] = (toks.index(w),)
            else:
                where = [i for i, t in enumerate(toks) if t == w]
            for i in where:
                if left1 and i:
                    g = left1.get(toks[i - 1])
                    if g:
                        found |= g
                if left2 and i > 1:
                    g = left2.get(toks[i - 2])
                    if g:
                        found |= g
                if right1 and i + 1 < n:
                    g = right1.get(toks[i + 1])
                    if g:
                        found |= g
                if right2 and i + 2 < n:
                    g = right2.get(toks[i + 2])
                    if g:
                        found |= g
                for k, ph, g in tri:
                    j = i - k
                    if j >= 0 and j + 3 <= n and toks[j] == ph[0] and toks[j + 1] == ph[1] and toks[j + 2] == ph[2]:
                        found |= g
        return found


def _cross(first: str, second: str) -> tuple[str, ...]:
    return tuple(f"{a} * {b}" for a in first.split() for b in second.split())


def _pairs(first: str, second: str) -> tuple[str, ...]:
    return tuple(f"{a} {b}" for a in first.split() for b in second.split())


_NEG = "not isnt arent wasnt doesnt dont didnt wont stopped nothing never cant couldnt"
_WORKV = "working work works load loading connect connecting open opening respond responding send sending"
_CANTV = ("connect log login sign access load get make send receive call stream watch play reach browse open use "
          "download upload stay join")
_NOS = ("internet wifi service signal network connection power electricity light lights cable tv data phone calls "
        "call reception lte 0g sound picture access response")
#: relevance cue groups (emitted as ``lx:`` features)
_LEX_GROUPS: Final = {
    "question_down": ("down ?", "down * ?", "out ?", "offline ?", "anyone else", "anybody else", "everyone else",
                      "just me", "there an outage", "is there outage", "any outage", "any outages",
                      "an outage in", "outage in my", "outages in", "working ?", "work ?") + _cross("is are",
                                                                                                  "down offline"),
    "not_working": _cross(_NEG, _WORKV) + ("not working", "stopped working", "go through", "doesnt work"),
    "cant_action": _cross("cant couldnt unable", _CANTV) + _cross("to", "connect login") + ("not able", "failed to",
                                                                                           "fails to", "failing to"),
    "no_service": _cross("no without lost losing zero lose", _NOS) + ("loss of",),
    "outage_word": ("outage", "outages", "blackout", "downtime", "offline", "disruption", "disconnect",
                    "disconnected", "disconnecting", "disconnects", "unreachable", "unavailable", "interruption",
                    "intermittent", "went out", "goes out", "is out", "are out", "knocked out", "been out",
                    "#outage", "nointernet", "nopower", "noservice", "notworking", "lights out", "lightsout",
                    "power out", "internet out", "cable out", "wifi out", "service out", "phone out", "tv out",
                    "still out", "power * out", "internet * out", "cable * out", "wifi * out", "service * out"),
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
            "this morning", "this evening", "tonight", "today", "for 0", "for 00", "for hours", "for days", "past 0",
            "past 00", "now",
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
                  "@virginmedia", "@bt_uk", "@skyhelpteam", "@ipnxtweet", "@mtnug", "@airtel_ug", "@airtelug",
                  "@africellug", "@smilecomsng"),
    "brand_travel": ("@delta", "@americanair", "@british_airways", "@southwestair", "@united", "@alaskaair",
                     "@virginatlantic", "@virgintrains", "@nationalrailenq", "@uber_support", "@amazonhelp",
                     "@chipotletweets", "@upshelp", "@fedex", "@usps", "@jetblue"),
    "praise": ("thanks", "thank", "thx", "love", "great", "awesome", "appreciate", "amazing", "best"),
}

_TXT_NEG = "text texts message messages email emails"
_TXT_FAIL = "wont arent not dont keep keeps fail fails failing failed"
#: problem-type groups (read by :mod:`outageradar.classify.problem`; not relevance features). Written from the
#: guide's definitions; see problem.py for the precedence between them.
_PROBLEM_GROUPS: Final = {
    "p_power": ("power outage", "power outages", "power cut", "power cuts", "power failure", "power failures",
                "power * out", "power * off", "power out", "power off", "power line", "power lines", "power grid",
                "power restored", "power back", "power supply", "power * back", "power * restored")
    + _cross("no without lost losing restore restoring", "power electricity light lights")
    + ("electric", "electricity", "electrical", "blackout", "blackouts", "nepa", "phcn", "load shedding",
       "loadshedding", "grid", "utility", "utilities", "lights out", "lights * out", "lightsout", "nopower"),
    "p_cause": ("due to", "because of", "caused by", "every time", "when there", "whenever", "from the", "after the",
                "from a", "after a", "cuz of", "bc of"),
    "p_payments": ("payment", "payments", "transaction", "transactions", "deposit", "deposits", "withdraw",
                   "withdrawal", "withdrawals", "withdrawing", "transfer", "transfers", "mobile money", "mobilemoney",
                   "airtel money", "airtelmoney", "momo", "mm", "declined", "declnd", "banking", "atm", "atms", "ebt",
                   "food stamps", "pay bills", "pay bill", "paying bills", "pay with", "paying with", "units for yaka"),
    "p_login": ("log in", "login", "logging in", "log on", "sign in", "signin", "signing in", "password", "passcode",
                "authenticate", "authentication", "authenticating", "authenticator", "0fa", "two factor",
                "verification code", "otp", "locked out", "account locked", "credentials", "sign me in",
                "recognize my account", "recognise my account", "recognizing my account"),
    "p_messaging": ("imessage", "imessages", "sms", "texting", "voicemail", "whatsapp", "facetime", "dropped calls",
                    "dropped call") + _pairs(_TXT_NEG, _TXT_FAIL)
    + _cross("cant unable able no wont not", "call calls") + _pairs("call calls", "drop drops dropped dropping fail "
                                                                                 "fails failed failing in keep keeps"),
    "p_tv": ("tv", "television", "cable box", "channel", "channels", "dvr", "netflix", "hulu", "video", "videos",
             "picture", "pixelated", "pixelating", "pixelation", "on demand", "ondemand", "directv", "dish", "hd", "sd",
             "nbc", "abc", "cbs", "espn", "fox", "hbo", "broadcast", "announcer", "announcers", "the game",
             "big game", "code 0", "code 00", "code 000", "code 0000", "code 00000", "code 000000"),
    "p_perf": ("slow", "slower", "slowest", "slowly", "sluggish", "lag", "laggy", "lagging", "lags", "buffer",
               "buffering", "buffers", "speed", "speeds", "mbps", "kbps", "latency", "ping", "packet loss", "throttle",
               "throttled", "throttling", "throttles", "crawl", "crawling", "takes forever", "take forever",
               "took me", "unstable", "speed test", "speedtest", "upload", "0 down", "00 down", "000 down",
               "choppy", "barely working",
               "bad internet", "shitty internet", "crappy"),
    "p_app": ("app", "apps", "application", "website", "site", "webpage", "page", "crash", "crashed", "crashes",
              "crashing", "freeze", "freezes", "freezing", "frozen", "froze", "error", "errors", "bug", "glitch",
              "glitches", "glitching", "glitchy", "wont load", "wont open", "not loading", "download", "install",
              "corrupted", "keeps spinning", "keep spinning", "itunes", "app store", "icloud", "technical issue",
              "software", "product"),
    "p_noconn": _cross("no without lost losing", "internet wifi signal service connection network data access")
    + _pairs("cant unable wont not", "connect join browse") + ("unable to connect", "cant get online",
                                                                "able to connect", "disconnect", "disconnected",
                                                                "disconnecting", "disconnects", "disconnection",
                                                                "offline", "drop", "drops", "dropped", "dropping",
                                                                "timed out"),
    "p_conn": ("internet", "wifi", "wi fi", "network", "signal", "service", "connection", "connect", "connected",
               "connecting", "modem", "router", "broadband", "mifi", "lte", "0g", "g", "data", "online", "ethernet",
               "reception", "bars", "hotspot", "fibre", "fiber", "nbn", "server", "servers", "mtnug", "mtn",
               "airtelug", "airtel", "spectranet", "tizeti", "smile", "glo", "ipnx", "comcast", "xfinity", "spectrum",
               "cox", "verizon", "att", "sprint", "tmobile", "suddenlink", "centurylink", "telstra", "iinet",
               "@comcastcares", "@xfinity", "@xfinitysupport", "@ask_spectrum", "@coxhelp", "@verizonsupport",
               "@verizon", "@att", "@attcares", "@sprintcare", "@tmobile", "@tmobilehelp", "@suddenlinkhelp",
               "@centurylink", "@spectranet_ng", "@mtnug", "@airtelug", "@airtel_ug", "@airtel_care", "@mtnng",
               "@airtelnigeria", "@tizeti", "@ipnxtweet", "@smilecomsng", "@africellug", "@virginmedia", "@bt_uk"),
    "p_outage": ("outage", "outages", "down"),
    "p_place": ("school", "work", "home", "house", "office", "store", "campus", "class", "classes"),
}
LEXICON: Final = PhraseLexicon(_LEX_GROUPS)
PROBLEM_LEXICON: Final = PhraseLexicon(_PROBLEM_GROUPS)
_OUTAGE_CUES: Final = frozenset(
    {"question_down", "not_working", "cant_action", "no_service", "outage_word", "down_word", "dropping", "error"}
)
_CONTEXT_CUES: Final = ("advice", "news", "commerce", "praise", "telecom", "power", "online", "brand_isp",
                        "brand_travel")
_QWORDS: Final = frozenset({b"down", b"outage", b"offline", b"working"})
#: words that need attention in :func:`analyse`: canonicalisation or a relevance-lexicon look-up
_SPECIAL: Final = _CANON_KEYS | LEXICON.keys

#: settings stored with a trained model; loading refuses a model trained with different ones
SETTINGS: Final = {"feature_version": FEATURE_VERSION, "bigrams": False, "lexicon": True, "handles": True}


def analyse(text: str) -> Analysis:
    """Tokenise ``text`` and find its relevance-lexicon cues: the one pass the relevance model and (through
    :func:`problem_cues`) the problem tagger read."""
    return Analysis._make(_analyse_clean(_clean(text.encode("ascii", "ignore"))))


#: posts cleaned together by :func:`analyse_many`
BATCH: Final = 1000


def analyse_many(texts: Iterable[str]) -> Iterator[Analysis]:
    """:func:`analyse` of each text (identical results), with the buffer-level normalisation done for up to
    :data:`BATCH` posts at a time."""
    return map(Analysis._make, analyses(texts))


def analyses(texts: Iterable[str]) -> Iterator[tuple[list[bytes], set[bytes], set[str]]]:
    """:func:`analyse_many` as plain ``(toks, uni, cues)`` tuples (what the scorers read; a little faster)."""
    it = iter(texts)
    while True:
        chunk = list(islice(it, BATCH))
        if not chunk:
            return
        yield from map(_analyse_clean, _cleaned(chunk))


def _analyse_clean(b: bytes) -> tuple[list[bytes], set[bytes], set[str]]:
    toks = _split(b)
    uni = set(toks)
    present = uni & _SPECIAL
    if present and not present.isdisjoint(_CANON_KEYS):
        toks = _canon(toks)
        uni = set(toks)
        present = uni & _SPECIAL
    if b"@" in b:
        uni.add(_AT)
    cues = LEXICON.find(toks, uni, present)
    if b"?" in uni and not uni.isdisjoint(_QWORDS):
        cues.add("question_down")  # "is xbox live down right now?": a question about an outage, any word order
    return toks, uni, cues


def problem_cues(a: Analysis | tuple[list[bytes], set[bytes], set[str]]) -> set[str]:
    """The problem-type groups (``p_*``) of an analysed post."""
    return PROBLEM_LEXICON.find(a[0], a[1])


def problem_cues_of(text: str) -> set[str]:
    """The problem-type groups (``p_*``) of a raw post (tokenised without the relevance lexicon)."""
    toks = tokenise(text)
    uni = set(toks)
    if not uni.isdisjoint(_CANON_KEYS):
        toks = _canon(toks)
        uni = set(toks)
    return PROBLEM_LEXICON.find(toks, uni)


def cue_features(cues: set[str], ntoks: int) -> list[str]:
    """The ``lx:`` / ``len:`` features of an analysis (relevance cues and their conjunctions)."""
    rel = cues
    out = []
    if rel:
        outage = rel & _OUTAGE_CUES
        out = ["lx:" + c for c in rel]
        if outage:
            out.append("lx:any_outage")
            if len(outage) > 1:
                out.append("lx:multi_outage")
            if "past" in rel:
                out.append("lx:outage+past" if "now" not in rel else "lx:outage+past+now")
            if "now" in rel:
                out.append("lx:outage+now")
            for c in _CONTEXT_CUES:
                if c in rel:
                    out.append("lx:outage+" + c)
        else:
            out.append("lx:no_outage")
    else:
        out.append("lx:none")
    if ntoks < 4:
        out.append("len:short")
    return out


def lexicon_cues(text: str) -> set[str]:
    """Names of the relevance lexicon groups found in a raw post."""
    return analyse(text).cues


def features(text: str) -> list[str]:
    """The distinct binary feature strings of a raw post (what the model is trained on and scores)."""
    a = analyse(text)
    feats = ["w:" + t.decode("ascii") for t in a.uni]
    feats += cue_features(a.cues, len(a.toks))
    return feats
