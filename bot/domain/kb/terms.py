"""Glossary lookup with spaCy: lemma phrase matching plus honest suggestions.

The matcher only ever answers with a term whose name or alias appears in the text, after
case, punctuation, plural and lemma normalisation. Anything fuzzier is offered as a
suggestion, never as an answer, because a wrong definition is worse than none.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.domain.kb.errors import KnowledgeBaseError
from bot.domain.kb.models import Term, TermLookup
from bot.domain.kb.normalise import (
    abbreviation_plurals,
    has_chinese,
    normalise_chinese,
    normalise_text,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

MAX_SUGGESTIONS = 3
# Below this similarity a "suggestion" is noise: "banana" must not suggest anything.
SUGGESTION_CUTOFF = 0.75
# Words that frame a question about a term rather than name one; dropped before
# suggesting, so "what does demurage mean" is compared as "demurage".
_FILLER_TEXT = """
    a about abbreviation acronym again an and any are as at by can could define definition
    describe do does doing explain explanation for freight from full give hello hey hi how i
    in is it know let logistics me mean meaning means meant my name of on or please pls plz
    quick quickly s shipping short stand stands tell term thank thanks that the this to u
    understand want was what whats whatre which word you your
    """
FILLER_WORDS = frozenset(_FILLER_TEXT.split())
_WORD_PROBE_WEIGHT = 0.95
# A word at least this frequent in English (log probability, spaCy's lookup tables) is an
# ordinary word, not a term the glossary is missing: "fuel", "charges", "asdf" are; "florbex"
# and "blorp" are not.
COMMON_WORD_LOGPROB = -16.5
# Chinese words that frame a question about a term ("FOB係咩意思", "咩叫計費重量", "什麼是提單"),
# longest first; dropped before a Chinese query is echoed or compared for suggestions.
_ZH_FILLER_TEXT = """
    係咩意思 係乜嘢意思 係乜意思 即係咩 即係乜 咩意思 乜意思 乜嘢意思 咩叫做 咩叫 乜嘢叫 乜叫
    咩係 乜嘢係 乜係 什麼是 甚麼是 是什麼 是甚麼 什麼意思 甚麼意思 的意思 嘅意思 點解釋 點樣解釋
    解釋下 解釋一下 請解釋 講解下 我想問下 我想問 想問下 想問 請問 問下 唔該 麻煩 你知唔知
    知唔知 有冇人知 定義 名詞 術語 意思 係咩 係乜 即係 咩嚟 乜嘢 乜野 什麼 甚麼 係 咩 乜 嘅 的 是
    呢 呀 啊 吖 嗎 嘛 啦 喎 囉 下 個 同 和 有咩分別 有咩唔同 分別 唔同 有
    """
_ZH_FILLERS = sorted(_ZH_FILLER_TEXT.split(), key=len, reverse=True)
# Below this similarity a Chinese "suggestion" is noise; "滯期" ~ "滯期費" is 0.8.
ZH_SUGGESTION_CUTOFF = 0.66
_ZH_PUNCTUATION = re.compile(r"[\s\W_]+")
_CAPITALISED = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9/.&]*[A-Z0-9](?![A-Za-z0-9])")
_PARENTHESISED = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*$")


@lru_cache(maxsize=1)
def common_english_words() -> frozenset[str]:
    """Lowercase English words at least as frequent as :data:`COMMON_WORD_LOGPROB`.

    Read once from ``spacy-lookups-data`` (installed with spaCy's lemmatizer tables), so
    nothing is downloaded.
    """
    import gzip
    import json
    from importlib.resources import files

    source = files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        probs: dict[str, float] = json.load(handle)
    return frozenset(word for word, prob in probs.items() if prob >= COMMON_WORD_LOGPROB)


def _without_fillers(text: str) -> str:
    return " ".join(word for word in text.split() if word not in FILLER_WORDS)


@lru_cache(maxsize=1)
def english_pipeline() -> Language:
    """Return the process-wide blank English pipeline with a lookup lemmatizer.

    The lookup tables ship with ``spacy-lookups-data``, so nothing is downloaded.
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def chinese_term_phrases(term: Term) -> list[str]:
    """Every Chinese phrase that names ``term``: its Chinese name, its part outside any
    brackets ("離岸價（FOB）" gives "離岸價"), and its Chinese aliases."""
    phrases = [term.name_zh, *term.aliases_zh]
    outer = re.split(r"[（(]", term.name_zh, maxsplit=1)[0].strip()
    if outer:
        phrases.append(outer)
    return [p for p in phrases if has_chinese(p)]


def chinese_query(text: str) -> str:
    """The Chinese words of ``text`` left once question words and punctuation are dropped.

    ``"請問滯期係咩意思？"`` gives ``"滯期"``; Latin words are dropped too, since the English
    matcher reads those.
    """
    folded = normalise_chinese(text)
    folded = re.sub(r"[a-z0-9]+", " ", folded)
    for filler in _ZH_FILLERS:
        folded = folded.replace(filler, " ")
    return "".join(_ZH_PUNCTUATION.split(folded))


def term_phrases(term: Term) -> list[str]:
    """Every phrase that names ``term``: its key, name, the parts of the name, and aliases.

    ``"FOB (Free on Board)"`` yields ``"FOB (Free on Board)"``, ``"FOB"`` and
    ``"Free on Board"``.
    """
    phrases = [term.key.replace("_", " "), term.name, *term.aliases]
    match = _PARENTHESISED.match(term.name)
    if match:
        phrases += [match.group("outer"), match.group("inner")]
    return phrases


class TermMatcher:
    """Finds glossary terms in customer text.

    Build it once per process (see :meth:`KnowledgeBase.find_term`); building lemmatises
    every name and alias, and matching afterwards is a few microseconds per message.
    """

    def __init__(self, terms: Mapping[str, Term], *, source: str = "terms.yml") -> None:
        """Lemmatise every phrase of ``terms`` and load them into a ``PhraseMatcher``.

        Args:
            terms: the glossary by key.
            source: file name used in error messages.

        Raises:
            KnowledgeBaseError: two different terms have a phrase with the same lemmas,
                for example ``"customs"`` and ``"custom"``; the lookup would be ambiguous.
        """
        from spacy.matcher import PhraseMatcher

        self._nlp = english_pipeline()
        self._terms = dict(terms)
        self._lemma_cache: dict[str, str] = {}
        owner_by_phrase: dict[str, tuple[str, str]] = {}
        patterns: dict[str, list[Doc]] = {}
        # First pass: plain lemmas, to learn the vocabulary the plural rule may map onto.
        owners: list[tuple[str, str]] = []
        texts: list[str] = []
        for term in self._terms.values():
            seen: set[str] = set()
            for phrase in term_phrases(term):
                text = normalise_text(phrase)
                if not text or text in seen:
                    continue
                seen.add(text)
                owners.append((term.key, phrase))
                texts.append(text)
        raw_docs = [
            (key, phrase, doc)
            for (key, phrase), doc in zip(owners, self._nlp.pipe(texts), strict=True)
        ]
        self._vocabulary = {tok.lemma_ for _, _, doc in raw_docs for tok in doc}
        for key, phrase, doc in raw_docs:
            doc = self._canonical(doc)
            lemmas = " ".join(tok.lemma_ for tok in doc)
            owner = owner_by_phrase.get(lemmas)
            if owner is not None and owner[0] != key:
                raise KnowledgeBaseError(
                    f"{source}: entry {key!r}: alias {phrase!r} reads the same as "
                    f"{owner[1]!r} of entry {owner[0]!r}"
                )
            if owner is None:
                owner_by_phrase[lemmas] = (key, phrase)
                patterns.setdefault(key, []).append(doc)
        matcher = PhraseMatcher(self._nlp.vocab, attr="LEMMA")
        for key, docs in patterns.items():
            matcher.add(key, docs)
        self._matcher: PhraseMatcher = matcher
        self._lock = threading.Lock()
        # Chinese names are found as substrings: Chinese is written without spaces.
        self._zh_phrases: dict[str, str] = {}
        for term in self._terms.values():
            for phrase in chinese_term_phrases(term):
                self._zh_phrases.setdefault(normalise_chinese(phrase), term.key)
        self._zh_longest = max((len(p) for p in self._zh_phrases), default=0)
        # Plain strings for suggestions, per term.
        self._suggestion_strings: dict[str, list[str]] = {
            term.key: sorted(
                {_without_fillers(normalise_text(p)) for p in term_phrases(term)} - {""}
            )
            for term in self._terms.values()
        }

    def _lemma_of(self, word: str) -> str:
        """Lemma of a single lowercase word, cached."""
        lemma = self._lemma_cache.get(word)
        if lemma is None:
            doc = self._nlp(word)
            lemma = doc[0].lemma_ if len(doc) == 1 else word
            self._lemma_cache[word] = lemma
        return lemma

    def _canonical(self, doc: Doc, marked: Iterable[bool] | None = None) -> Doc:
        """Rewrite lemmas in place so plurals of abbreviations match ("TEUs" -> "teu").

        The lookup lemmatizer only knows English words, so "teus", "awbs" and "carnets"
        stay as they are. A trailing "s" is dropped whenever what remains is a word of
        some phrase, on both the phrase and the customer side, so both meet at the
        singular. Stems under three letters need the customer's own marking of an
        abbreviation ("GAs", "b/ls"), because "gas" and the like are ordinary words far
        more often than plurals of codes.
        """
        upper = list(marked) if marked is not None else [False] * len(doc)
        for i, tok in enumerate(doc):
            lemma = tok.lemma_ or tok.text
            if not lemma.endswith("s"):
                continue
            stems = [lemma[:-1]]
            if lemma.endswith("es"):
                stems.append(lemma[:-2])
            for stem in stems:
                if len(stem) < 3 and not (i < len(upper) and upper[i]):
                    continue
                stem_lemma = self._lemma_of(stem)
                if stem_lemma in self._vocabulary:
                    tok.lemma_ = stem_lemma
                    break
        return doc

    def _parse(self, text: str) -> Doc:
        """Normalise and lemmatise customer text."""
        plurals = abbreviation_plurals(text)
        doc = self._nlp(normalise_text(text))
        return self._canonical(doc, [tok.text in plurals for tok in doc])

    def find(self, text: str) -> TermLookup:
        """Find the term named in ``text``, or suggest close ones.

        Args:
            text: a bare term ("demurrage") or a whole message ("what does FOB mean?").

        A Chinese name is found inside Chinese or mixed text ("FOB係咩意思", "滯期費即係咩",
        "咩叫計費重量"); a term written in Latin letters is matched as in English, so the
        English match wins when both are present.

        Returns:
            The longest match (then one the customer capitalised, then the earliest);
            with no match, ``term`` is ``None``
            and ``suggestions`` holds up to three close terms.
        """
        lookup = self._find_english(text)
        if not has_chinese(text):
            return lookup
        found = self._find_chinese(text)
        query = chinese_query(text)
        # Both: the phrase that covers more of the message wins, so "卸貨港（POD）" is the
        # port of discharge rather than the English code POD (proof of delivery).
        if found is not None and (lookup.term is None or found[0] > lookup.matched_chars):
            return TermLookup(term=self._terms[found[1]], query=query)
        if lookup.term is not None:
            return lookup
        suggestions = lookup.suggestions if lookup.query else self.suggest_chinese(query)
        return TermLookup(term=None, suggestions=suggestions, query=lookup.query or query)

    def _find_chinese(self, text: str) -> tuple[int, str] | None:
        """(length, key) of the longest (then earliest) Chinese term name in ``text``."""
        folded = normalise_chinese(text)
        best: tuple[int, int, str] | None = None
        for start in range(len(folded)):
            for length in range(min(self._zh_longest, len(folded) - start), 1, -1):
                key = self._zh_phrases.get(folded[start : start + length])
                if key is not None:
                    if best is None or length > best[0]:
                        best = (length, start, key)
                    break
        return (best[0], best[2]) if best is not None else None

    def suggest_chinese(self, query: str) -> list[Term]:
        """Up to three terms whose Chinese names look like the Chinese ``query`` ("滯期")."""
        if not 2 <= len(query) <= 12:
            return []
        scores: dict[str, float] = {}
        for phrase, key in self._zh_phrases.items():
            ratio = difflib.SequenceMatcher(None, query, phrase).ratio()
            if ratio >= ZH_SUGGESTION_CUTOFF and ratio > scores.get(key, 0.0):
                scores[key] = ratio
        ranked = sorted(scores, key=lambda k: (-scores[k], k))[:MAX_SUGGESTIONS]
        return [self._terms[key] for key in ranked]

    def _find_english(self, text: str) -> TermLookup:
        with self._lock:
            doc = self._parse(text)
            matches = self._matcher(doc)
        # Customers capitalise the code they are asking about ("my forwarder mentioned
        # DGD"), so among equally long matches a capitalised one beats an ordinary word.
        capitalised = {normalise_text(word) for word in _CAPITALISED.findall(text)}
        query = " ".join(
            tok.text for tok in doc if tok.text not in FILLER_WORDS and not tok.is_punct
        )
        if matches:
            match_id, start, end = min(
                matches,
                key=lambda m: (
                    -(m[2] - m[1]),
                    not any(tok.text in capitalised for tok in doc[m[1] : m[2]]),
                    m[1],
                ),
            )
            key = self._nlp.vocab.strings[match_id]
            return TermLookup(
                term=self._terms[key],
                suggestions=[],
                query=query,
                unknown_words=self._unknown_neighbours(doc, start, end),
                matched_chars=len(doc[start:end].text.replace(" ", "")),
            )
        return TermLookup(term=None, suggestions=self.suggest(query), query=query)

    def _unknown_neighbours(self, doc: Doc, start: int, end: int) -> list[str]:
        """Words right before and after ``doc[start:end]`` that nobody would call English.

        Only the immediate neighbours count: "florbex surcharge" names a kind of surcharge
        the glossary lacks, while an odd word elsewhere in the message is not about the term.
        """
        found: list[str] = []
        for index in (start - 1, end):
            if not 0 <= index < len(doc):
                continue
            tok = doc[index]
            word = tok.text
            if (
                not word.isalpha()
                or len(word) < 3
                or word in FILLER_WORDS
                or tok.lemma_ in self._vocabulary
                or word in self._vocabulary
                or word in common_english_words()
                or tok.lemma_ in common_english_words()
            ):
                continue
            found.append(word)
        return found

    def suggest(self, query: str) -> list[Term]:
        """Return up to three terms whose names or aliases look like ``query``.

        Args:
            query: normalised words, without filler words.
        """
        query = _without_fillers(normalise_text(query))
        if not query:
            return []
        # The whole query against every phrase, and each longer word against one-word
        # phrases (ranked a little lower), so "bill of loading" and "charges for demurage"
        # both find their neighbour.
        probes = [(query, 1.0)]
        tokens = query.split()
        if len(tokens) > 1:
            probes += [(tok, _WORD_PROBE_WEIGHT) for tok in tokens if len(tok) >= 3]
        scores: dict[str, float] = {}
        for key, strings in self._suggestion_strings.items():
            best = 0.0
            for probe, weight in probes:
                for candidate in strings:
                    # Two-letter codes look like half of every short word ("gas" ~ "ga").
                    if len(candidate) < 3 or (weight < 1.0 and " " in candidate):
                        continue
                    matcher = difflib.SequenceMatcher(None, probe, candidate)
                    if matcher.real_quick_ratio() * weight < SUGGESTION_CUTOFF:
                        continue
                    if matcher.quick_ratio() * weight < SUGGESTION_CUTOFF:
                        continue
                    best = max(best, matcher.ratio() * weight)
            if best >= SUGGESTION_CUTOFF:
                scores[key] = best
        ranked = sorted(scores, key=lambda k: (-scores[k], k))[:MAX_SUGGESTIONS]
        return [self._terms[key] for key in ranked]
