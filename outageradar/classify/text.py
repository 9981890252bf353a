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
   joined by NUL and splits the result (the same tokens, less per-post overhead; links are still looked for only in
   the posts that hold a "/", as one by one). Hashtags keep their ``#`` form and
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
4. :func:`analyse_batch` gives the same analysis for many posts at once as arrays (:class:`TokenBatch`), which is
   what the tagger scores: the batch is cleaned as one buffer, split once and given token ids by one dict pass; the
   canonicalisation is then an id remap, the token sets one sort of (post, token) codes, and the lexicon phrases are
   found for all positions together by :class:`_Matcher` (each post gets a bit mask of its groups). No Python code
   runs per token or per post (only per hashtag and link), and the cost is linear in the batch's characters.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import count, islice, repeat
from typing import Final, NamedTuple

import numpy as np

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
    ``b`` is the ASCII-encoded text, or several joined by NUL with ``table`` :data:`_TABLE_NUL` (see
    :func:`_cleaned`). Links are looked for only in a post that holds a "/" (so "bewwwwww." stays a word)."""
    if b"/" in b:
        b = _URL.sub(b" _url_ ", b) if table is _TABLE else _URL.sub(_JoinedUrl(b), b)
    if b"&" in b:
        b = _ENTITY.sub(b" ", b)
    b = b.replace(b"?", b" ? ").replace(b"!", b" ! ").translate(table, b"'")
    if b"right now" in b:
        b = b.replace(b"right now", b"rightnow")
    return b


class _JoinedUrl:
    """``re.sub`` replacement for links in posts joined by NUL: ``_url_`` only in a post that holds a "/", as
    :func:`_clean` does post by post (a "www." with no "/" in its post is left alone). The posts' bounds and which
    of them hold a "/" are found once (arrays), so each link costs a binary search whatever the posts' length."""

    __slots__ = ("seps", "slashed")

    def __init__(self, b: bytes) -> None:
        arr = np.frombuffer(b, dtype=np.uint8)
        seps = np.flatnonzero(arr == 0)
        self.seps = seps.tolist()
        self.slashed = set(np.searchsorted(seps, np.flatnonzero(arr == 47)).tolist())

    def __call__(self, m: re.Match) -> bytes:
        return b" _url_ " if bisect_left(self.seps, m.start()) in self.slashed else m.group()


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
        #: the group names, in order (bit ``i`` of a cue mask is ``names[i]``; see :class:`TokenBatch`)
        self.names: tuple[str, ...] = tuple(groups)
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
        #: every phrase as (kind, *words) -> its groups; kind 1: one word, 2: two adjacent words, 3: two words with one
        #: token between them (the ``*`` of a phrase), 4: three adjacent words (what :class:`_Matcher` compiles)
        self.phrases: dict[tuple, frozenset[str]] = {key: frozenset(names) for key, names in acc.items()}
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


# --- batches: the same analysis for many posts at once, as arrays --------------------------------------------------
#: tokens every batch knows by a fixed id: the post separator, ``_at_``, ``?``, the canonical forms (targets of
#: :data:`_CANON`) and the question words of :func:`_analyse_clean`
_PRE: Final = tuple(dict.fromkeys((b"\x00", _AT, b"?", *sorted(set(_CANON.values())), *sorted(_QWORDS))))
_PRE_IDS: Final = {t: i for i, t in enumerate(_PRE)}
_SEP_ID, _AT_ID, _Q_ID = 0, 1, 2
_QWORD_IDS: Final = np.array(sorted(_PRE_IDS[w] for w in _QWORDS), dtype=np.int64)


class _Matcher:
    """A :class:`PhraseLexicon` compiled for a batch's stream of token ids: its phrases become integer codes over a
    word table (:data:`_WORDS`), looked up for all positions of the batch at once (``np.searchsorted``), and each
    post gets the bit mask of its groups (bit ``i`` = ``lexicon.names[i]``). The same phrases as
    :meth:`PhraseLexicon.find`: one word anywhere; two or three adjacent words; two words with one token between."""

    def __init__(self, lexicon: PhraseLexicon, words: dict[bytes, int]) -> None:
        self.names = lexicon.names
        if len(self.names) > 62:
            raise ValueError("a lexicon of more than 62 groups does not fit a cue mask")
        bit = {name: 1 << i for i, name in enumerate(self.names)}
        nw = self.nw = len(words) + 1  # index len(words): no lexicon word
        self.one = np.zeros(nw, dtype=np.int64)
        #: kind -> (may be the first word, may be the last word) of a phrase of that kind, per word
        self.ends = {k: (np.zeros(nw, dtype=bool), np.zeros(nw, dtype=bool)) for k in (2, 3, 4)}
        tables: dict[int, dict[int, int]] = {2: {}, 3: {}, 4: {}}
        for key, names in lexicon.phrases.items():
            mask = 0
            for name in names:
                mask |= bit[name]
            ix = [words[w] for w in key[1:]]
            if key[0] == 1:
                self.one[ix[0]] |= mask
                continue
            self.ends[key[0]][0][ix[0]] = self.ends[key[0]][1][ix[-1]] = True
            code = 0
            for j in ix:
                code = code * nw + j
            tables[key[0]][code] = tables[key[0]].get(code, 0) | mask
        self.codes = {k: np.array(sorted(t), dtype=np.int64) for k, t in tables.items()}
        self.masks = {k: np.array([t[c] for c in sorted(t)], dtype=np.int64) for k, t in tables.items()}

    def _found(self, kind: int, codes: np.ndarray, at: np.ndarray, posts: list, masks: list) -> None:
        keys = self.codes[kind]
        if not len(codes) or not len(keys):
            return
        j = np.minimum(np.searchsorted(keys, codes), len(keys) - 1)
        ok = keys[j] == codes
        posts.append(at[ok])
        masks.append(self.masks[kind][j[ok]])

    def masks_of(self, w: np.ndarray, sep: np.ndarray, post_of: np.ndarray, n: int) -> np.ndarray:
        """The group mask of each of ``n`` posts. ``w``: the word-table index of each position of the stream
        (``nw - 1``: no lexicon word, as for the separators), ``sep``: which positions are separators, ``post_of``:
        the post of each position."""
        out = np.zeros(n, dtype=np.int64)
        nw = self.nw
        m = self.one[w]
        at = np.flatnonzero(m)
        posts, masks = [post_of[at]], [m[at]]
        if len(w) > 1:
            first, last = self.ends[2]
            pair = np.flatnonzero(first[w[:-1]] & last[w[1:]])  # adjacent (never across posts: a separator)
            self._found(2, w[pair] * nw + w[pair + 1], post_of[pair], posts, masks)
        if len(w) > 2:
            first, last = self.ends[3]
            gap = np.flatnonzero(first[w[:-2]] & last[w[2:]] & ~sep[1:-1])  # one token (no separator) between
            self._found(3, w[gap] * nw + w[gap + 2], post_of[gap], posts, masks)
            first, last = self.ends[4]
            tri = np.flatnonzero(first[w[:-2]] & last[w[2:]] & (w[1:-1] != nw - 1))
            self._found(4, (w[tri] * nw + w[tri + 1]) * nw + w[tri + 2], post_of[tri], posts, masks)
        np.bitwise_or.at(out, np.concatenate(posts), np.concatenate(masks))
        return out


_WORDS: Final = {w: i for i, w in enumerate(sorted({w for lex in (LEXICON, PROBLEM_LEXICON) for key in lex.phrases
                                                      for w in key[1:]}))}
"""Every word of a relevance or problem phrase -> its index in the matchers' word table."""
_NO_WORD: Final = len(_WORDS)
_LEX_MATCHER: Final = _Matcher(LEXICON, _WORDS)
_PROBLEM_MATCHER: Final = _Matcher(PROBLEM_LEXICON, _WORDS)
_QUESTION_BIT: Final = 1 << LEXICON.names.index("question_down")
LEXICON_BITS: Final = {name: 1 << i for i, name in enumerate(LEXICON.names)}
"""Relevance cue name -> its bit in a cue mask (:attr:`TokenBatch.cues`, :func:`cue_mask`)."""


def cue_mask(cues: Iterable[str]) -> int:
    """The bit mask of a set of relevance cue names (as :attr:`TokenBatch.cues` holds them)."""
    m = 0
    for c in cues:
        m |= LEXICON_BITS[c]
    return m


def mask_names(mask: int, names: tuple[str, ...]) -> set[str]:
    """The group names of a cue mask (``names``: the lexicon's :attr:`PhraseLexicon.names`)."""
    return {name for i, name in enumerate(names) if mask >> i & 1}


class TokenBatch(NamedTuple):
    """Posts analysed together by :func:`analyse_batch`: what :func:`analyse` gives for each, as arrays.

    ``vocab`` lists the batch's distinct tokens; a token's id is its index there. ``post`` and ``tok`` list each
    post's *distinct* tokens (its ``uni`` set, ``_at_`` included) as (post index, token id) pairs, sorted by post;
    ``ntoks`` is each post's number of tokens (``len(toks)``). ``cues`` and ``pcues`` are each post's relevance and
    problem groups as bit masks (bit ``i`` is ``LEXICON.names[i]`` / ``PROBLEM_LEXICON.names[i]``)."""

    n: int
    ntoks: np.ndarray
    post: np.ndarray
    tok: np.ndarray
    vocab: list[bytes]
    cues: np.ndarray
    pcues: np.ndarray

    def distinct(self) -> np.ndarray:
        """The number of distinct tokens (``len(uni)``) of each post."""
        return np.bincount(self.post, minlength=self.n)


def _joined_clean(texts: list[str]) -> bytes:
    """:func:`_clean` of each text, joined by NUL (which no cleaned text holds: the table turns it into a space)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        return b"\x00".join(_clean(t.encode("ascii", "ignore")) for t in texts)
    return _clean(joined.encode("ascii", "ignore"), _TABLE_NUL)


def _with_hashtag_tokens(buf: bytes) -> bytes:
    """``buf`` (cleaned posts joined by NUL) with each post's hashtag expansions written after its text, as
    :func:`_split` appends them to its tokens."""
    extra: dict[int, list[bytes]] = {}
    seps = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 0).tolist() + [len(buf)]  # where each post ends
    for m in _HASHTAG.finditer(buf):
        tag = m.group(1)
        toks = extra.setdefault(seps[bisect_left(seps, m.end())], [])
        toks.append(tag)
        if len(tag) > 5 and tag.endswith(_HASH_SUFFIXES):
            for suf in _HASH_SUFFIXES:
                if tag.endswith(suf) and len(tag) > len(suf):
                    toks.append(suf)
                    break
    if not extra:
        return buf
    pieces: list[bytes] = []
    last = 0
    for end, toks in extra.items():  # in buffer order: the matches come in order
        pieces += (buf[last:end], b" ", b" ".join(toks))
        last = end
    pieces.append(buf[last:])
    return b"".join(pieces)


def _runs(a: np.ndarray) -> np.ndarray:
    """The sorted array ``a`` without repeats."""
    if len(a) < 2:
        return a
    first = np.empty(len(a), dtype=bool)
    first[0] = True
    np.not_equal(a[1:], a[:-1], out=first[1:])
    return a[first]


def analyse_batch(texts: list[str]) -> TokenBatch:
    """:func:`analyse` of every text at once, as arrays (:class:`TokenBatch`): the same tokens, token sets and cues,
    plus the problem groups of :func:`problem_cues`. The posts are cleaned as one buffer, split once (one ``bytes``
    object per token, made in C) and given ids by one dict pass; everything after that is array arithmetic: the
    canonicalisation is an id remap, the token sets one sort of (post, id) codes, the lexicon phrases the
    :class:`_Matcher` look-ups. No Python code runs per token or per post (only per hashtag and per link, each one
    binary search for its post)."""
    n = len(texts)
    buf = _joined_clean(texts)
    at_posts = None
    if b"@" in buf:  # the posts that mention someone get _at_
        arr = np.frombuffer(buf, dtype=np.uint8)
        at_posts = _runs(np.searchsorted(np.flatnonzero(arr == 0), np.flatnonzero(arr == 64)))
    if b"#" in buf:
        buf = _with_hashtag_tokens(buf)
    flat = buf.replace(b"\x00", b" \x00 ").split()
    index = dict(_PRE_IDS)
    ids = np.fromiter(map(index.setdefault, flat, count(len(_PRE))), dtype=np.int64, count=len(flat))
    vocab = list(index)
    nv = len(vocab)
    dense = np.empty(len(_PRE) + len(flat), dtype=np.int64)  # the ids given, in order of first use -> 0, 1, 2 ...
    dense[np.fromiter(index.values(), dtype=np.int64, count=nv)] = np.arange(nv)
    ids = dense[ids]
    remap = [(_PRE_IDS[v], k) for k, v in _CANON.items() if k in index]
    if remap:
        table = np.arange(nv, dtype=np.int64)
        for dst, k in remap:
            table[dense[index[k]]] = dst
        ids = table[ids]
    sep = ids == _SEP_ID
    post_of = np.cumsum(sep)
    keep = np.flatnonzero(~sep)
    tpost = post_of[keep]
    tid = ids[keep]
    ntoks = np.bincount(tpost, minlength=n)
    if at_posts is not None:
        tpost = np.concatenate((tpost, at_posts))
        tid = np.concatenate((tid, np.full(len(at_posts), _AT_ID, dtype=np.int64)))
    # distinct (post, token) pairs: sort their codes, keep the first of each run
    code = tpost * nv + tid
    if n * nv < 1 << 32:
        code = code.astype(np.uint32)
    code.sort()
    code = _runs(code).astype(np.int64)
    post, tok = np.divmod(code, nv)
    # lexicon words of the stream (after canonicalisation, as find() sees them)
    wix = np.fromiter(map(_WORDS.get, vocab, repeat(_NO_WORD)), dtype=np.int64, count=nv)
    w = wix[ids]
    cues = _LEX_MATCHER.masks_of(w, sep, post_of, n)
    # "is xbox live down right now?": a question about an outage, any word order (as in _analyse_clean)
    q = post[tok == _Q_ID]
    if len(q):
        qword = np.zeros(n, dtype=bool)
        qword[post[np.isin(tok, _QWORD_IDS)]] = True
        q = q[qword[q]]
        cues[q] |= _QUESTION_BIT
    pcues = _PROBLEM_MATCHER.masks_of(w, sep, post_of, n)
    return TokenBatch(n, ntoks, post, tok, vocab, cues, pcues)
