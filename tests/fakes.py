"""A deterministic stand-in tagger for store tests (the real taggers have their own tests)."""

from __future__ import annotations

from outageradar.records import Classification


class KeywordTagger:
    """'down' in the text means outage; the first word is the service; 'in XX' gives the country."""

    version = "keyword-test-1"

    def classify_posts(self, posts):
        return [self.one(p.text) for p in posts]

    def classify_rows(self, rows):
        return [self.one(r.text) for r in rows]

    def one(self, text: str) -> Classification:
        words = text.split()
        country = None
        if "in" in words and words.index("in") + 1 < len(words):
            country = words[words.index("in") + 1][:2].upper()
        outage = "down" in words
        return Classification(outage=outage, outage_score=0.9 if outage else 0.1, service=words[0],
                              country=country, admin1=None, city=None, problem="other" if outage else None,
                              model_version=self.version)
