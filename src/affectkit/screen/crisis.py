"""Crisis indicators in a person's own words: suicidal ideation, self-harm, intent, plan, means.

Hand-written patterns rather than a trained model, on purpose: no data here is labelled for
suicidality (Dreaddit and the Reddit depression set are not), and a rule names exactly the words
behind a flag, which a reviewer must see. Built for recall: a missed crisis costs more than a
false flag, so paraphrases ("don't want to wake up", "everyone would be better off without me")
count, and a past attempt or past self-harm is flagged too (``tense: "past"``; a history of
attempts is the strongest known risk factor, Franklin et al. 2017).

What is *not* flagged, and is reported under ``excluded`` with the reason, so nothing is hidden:

- **negated** ideation in the same clause: "I would never kill myself", "I'm not suicidal",
  "I don't want to die". A denial is not a disclosure; it stays visible in ``excluded``. Negations
  that are themselves the ideation ("I don't want to live anymore", "I can't go on") are
  patterns of their own and are flagged; hedges ("I'm not sure I want to live") are not negation.
- **quoted** words: inside quotation marks, unless the person quotes themselves ("I told her
  'I want to die'"), which counts as their own words.
- **about someone else**: "kill yourself" / "kys" aimed at another person, "my brother tried to
  kill himself", "she's suicidal": third- and second-person subjects are not the writer.
- **idioms**: "this traffic is killing me", "I could kill for a coffee", "dying to see it".

A second pass (``crisis_similarity``, optional because it needs the sentence encoder) flags
sentences close in meaning to known crisis statements, for the paraphrases no pattern names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# category -> patterns. Each is matched case-insensitively on a clause; \bI\b-style subjects are
# part of the pattern where the phrase is not already first person ("kill myself" is).
_P = {
    "ideation": [
        r"\b(kill|killing|off|offing|hang|hanging|shoot|shooting|drown|drowning)\s+my\s?self\b",
        r"\bend(ing)?\s+(my|it)\s+(own\s+)?(life|lives|all)\b",
        r"\bend\s+it\s+all\b|\bend\s+things\b",
        r"\btake\s+my\s+(own\s+)?life\b|\btaking\s+my\s+(own\s+)?life\b",
        r"\b(want|wanna|wanted|wanting|wish|wished|going|gonna|ready|need|plan|planning|tempted)\s+(to\s+)?die\b",
        r"\bwish\s+(i|that\s+i)\s+(was|were|had\s+been)\s+(dead|never\s+born)\b",
        r"\bwish\s+i\s+(could\s+)?(die|disappear\s+forever|not\s+exist|didn'?t\s+exist)\b",
        r"\b(i'?m|i\s+am|i\s+feel|i've\s+been|i\s+have\s+been|i\s+was|been|feeling|so)\s+(\w+\s+){0,2}suicidal\b",
        r"\bsuicidal\s+(thoughts?|ideation|feelings?|urges?)\b",
        r"\b(thinking|think|thought|thoughts)\s+(about|of)\s+(suicide|killing\s+my\s?self|ending\s+(it|my\s+life)|dying)\b",
        r"\b(attempt(ed|ing)?|commit(ted|ting)?|contemplat\w+|consider\w*|plann?\w*)\s+suicide\b",
        r"\bsuicide\s+(attempt|note|plan|letter)s?\b",
        r"\bbetter\s+off\s+(dead|without\s+me)\b",
        r"\b(don'?t|do\s+not|didn'?t)\s+want\s+to\s+(live|be\s+alive|exist|be\s+here|wake\s+up|go\s+on)\b",
        r"\bno\s+(reason|point)\s+(to|in)\s+(live|living|go\s+on|going\s+on|being\s+alive)\b",
        r"\b(can'?t|cannot)\s+(go\s+on|keep\s+going|do\s+this|live\s+like\s+this)(\s+(like\s+this|anymore|any\s+more|"
        r"living|with\s+(my\s+)?life))?(?=\s*([.!?,;]|$))",
        r"\b(not\s+sure|don'?t\s+know|unsure)\s+(if\s+|whether\s+|that\s+)?i\s+(want|wanna|can)\s+to\s+(live|be\s+alive|"
        r"be\s+here|go\s+on|keep\s+going|exist)\b",
        r"\bbetter\s+off\s+(if|when)\s+i\s+(was|were|am|'?m)\s+(dead|gone)\b",
        r"\b(life|living)\s+(is\s+not|isn'?t|is\s+no\s+longer|ain'?t)\s+worth\s+(living|it)\b",
        r"\bnot\s+worth\s+living\b",
        r"\b(tired|sick)\s+of\s+(living|being\s+alive|life)\b",
        r"\bwhat\s+i\s+might\s+do\s+to\s+myself\b",
        r"\b(drive|driving|crash|crashing)\s+my\s+car\s+into\s+(a|the)\s+\w+",
        r"\bnot\s+(want|wanting)\s+to\s+(live|be\s+alive|exist|wake\s+up)\b",
        r"\b(want|wanna|wish)\s+(it\s+)?(all\s+)?to\s+(end|be\s+over)\b",
        r"\b(want|wanna)\s+to\s+(disappear|not\s+exist|stop\s+existing|sleep\s+forever)\b",
        r"\bnever\s+wake\s+up\b|\bnot\s+wake\s+up\b",
        r"\bsuicide\b",  # bare noun: kept for recall, needs a first-person clause (see _SELF_NEEDED)
        r"\bkms\b",
    ],
    "self_harm": [
        r"\b(cut|cutting|burn|burning|hurt|hurting|harm|harming|scratch|scratching|hit|hitting|starve|starving)\s+my\s?self\b",
        r"\bself[\s-]?harm(ing|ed)?\b|\bself[\s-]?injur\w*\b",
        r"\b(cut|cutting|slit|slitting|slice|slicing)\s+my\s+(wrists?|arms?|legs?|thighs?|skin)\b",
        r"\brelaps\w+\s+(on|into)\s+(cutting|self[\s-]?harm)\b",
    ],
    "plan": [
        r"\b(i\s+have|i'?ve\s+got|i\s+made|i'?ve\s+made|i\s+wrote|i'?ve\s+written)\s+(a|the|my)\s+(plan|note|letter)\b",
        r"\bgoodbye\s+(note|letter)s?\b",
        r"\b(going|gonna|plan(ning)?|decided)\s+to\s+(do\s+it|end\s+it|jump|overdose|od)\b",
        r"\b(tonight|tomorrow|this\s+weekend)\s+(is|will\s+be)\s+the\s+(night|day|end)\b",
        r"\bgiving\s+away\s+my\s+(stuff|things|belongings)\b",
        r"\b(said|saying)\s+(my\s+)?goodbyes?\b",
    ],
    "means": [
        r"\b(stockpil\w+|saving\s+up|hoard\w*|bought|buy|got|have|took|taking|swallow\w*)\s+(\w+\s+){0,2}(pills|tablets|sleeping\s+pills|painkillers)\b",
        r"\boverdos(e|ed|ing)\b|\b(od|o\.d\.)\s+on\b",
        r"\b(a|the)\s+(rope|noose)\b",
        r"\b(jump|jumping)\s+(off|from|in\s+front\s+of)\s+(a|the|my)\s+\w+",
        r"\b(bridge|train\s+tracks|rooftop)\b.*\b(jump|end\s+it)\b",
        r"\b(my|a|the|dad'?s)\s+gun\b.*\b(myself|my\s+head|end\s+it|do\s+it)\b",
        r"\b(razor|blade)s?\b.*\b(myself|wrists?|arms?)\b",
        r"\bhow\s+many\s+(pills|tablets)\b.*\b(take|kill|enough|lethal)\b",
        r"\blethal\s+dose\b",
    ],
}
# bare words that only count in a clause that is about the writer (a first-person word in it)
_SELF_NEEDED = {r"\bsuicide\b", r"\boverdos(e|ed|ing)\b|\b(od|o\.d\.)\s+on\b", r"\b(a|the)\s+(rope|noose)\b",
                r"\bself[\s-]?harm(ing|ed)?\b|\bself[\s-]?injur\w*\b", r"\bsuicide\s+(attempt|note|plan|letter)s?\b"}
# patterns that are themselves a negated form ("don't want to live", "isn't worth living")
_NEGFORM = re.compile(r"n'\?t|\bnot\b|never|\\bno\\s|cannot|isn|unsure")


@dataclass(frozen=True)
class _Rule:
    category: str
    rx: re.Pattern
    self_in_pattern: bool  # the phrase itself is first person ("kill myself", "I have a plan")
    negated_form: bool  # the phrase is itself a negation that means ideation ("don't want to live")
    needs_self: bool  # a bare word that only counts in a clause about the writer


_COMPILED = [_Rule(cat, re.compile(pat, re.I), pat not in _SELF_NEEDED, bool(_NEGFORM.search(pat)), pat in _SELF_NEEDED)
             for cat, pats in _P.items() for pat in pats]

_FIRST = re.compile(r"\b(i|i'm|im|i've|ive|i'd|i'll|me|my|myself|mine)\b", re.I)
_OTHER_SUBJ = re.compile(
    r"\b(he|she|they|you|your|his|her|their|someone|somebody|people|friend|brother|sister|mom|mum|dad|father|"
    r"mother|son|daughter|wife|husband|partner|boyfriend|girlfriend|cousin|uncle|aunt|classmate|coworker|"
    r"patient|client|character)\b", re.I)
_SECOND = re.compile(r"\b(kill|hurt|cut)\s+your\s?self\b|\bkys\b|\bgo\s+die\b|\byou\s+should\s+die\b", re.I)
_THIRD_REFLEXIVE = re.compile(r"\b(kill|killed|hurt|cut|hang|hanged|shot|shoot)\w*\s+(him|her|them)sel(f|ves)\b", re.I)
# a negator before the cue in the same clause; not the hedges "not sure", "not certain", "no idea"
_NEG = re.compile(r"\b(never|not|no|don'?t|do\s+not|doesn'?t|didn'?t|won'?t|wouldn'?t|would\s+not|"
                  r"isn'?t|aren'?t|ain'?t|i'?m\s+not|am\s+not|nor|no\s+longer)\b", re.I)
_HEDGE = re.compile(r"\b(not\s+(sure|certain)|no\s+idea|don'?t\s+know|never\s+(felt|been)\s+(so|this|more))\b", re.I)
_IDIOM = re.compile(r"\b(killing\s+me|kill\s+for\s+(a|an|some)|dying\s+to|dying\s+for|to\s+die\s+for|"
                    r"(laugh|laughing|bored|embarrass\w*)\s+(\w+\s+)?(to\s+death|myself\s+to\s+death)|"
                    r"kill\s+myself\s+laughing|die\s+of\s+(embarrassment|laughter|boredom|cringe|shame)|"
                    r"(would|could|gonna|going\s+to)\s+die\s+(of|from)\s+(embarrassment|laughter|boredom)|"
                    r"death\s+of\s+me|suicide\s+(squad|mission|doors?|run)|(drop|kill)\s+dead\s+gorgeous|"
                    r"(hurt|cut)\s+myself\s+(cooking|shaving|on\s+(a|the))|hit\s+myself\s+on)\b", re.I)
_PAST = re.compile(r"\b(used\s+to|years?\s+ago|months?\s+ago|when\s+i\s+was|as\s+a\s+(kid|teen|teenager)|"
                   r"in\s+(high\s+school|college|the\s+past)|back\s+then|once|last\s+year|"
                   r"attempted|tried|was\s+suicidal|had\s+been|have\s+been\s+clean|been\s+clean|recovered)\b", re.I)
_TOLD = re.compile(r"\b(told|tells|telling|said\s+to|asked|wants|want|wanted)\s+me\s+to\s*$|\b(told|tell|tells|telling)\s+me\s+to\s+\w*\s*$", re.I)
_ASKED = re.compile(r"\b(asked|asks|asking|ask)\s+(me\s+)?(if|whether|about)\b", re.I)
_TOPIC = re.compile(r"^\S+(\s+\S+)?\s+(hotline|prevention|awareness|rates?|research|statistics|crisis\s+line|lifeline|"
                    r"in\s+(adolescents|teens|the\s+us|schools)|deaths)\b", re.I)
_TOPIC_BEFORE = re.compile(r"\b(paper|essay|article|study|lecture|research|talk|statistics|documentary)\s+(on|about)\s*$", re.I)
_QUOTE = re.compile(r"\"[^\"]{1,400}\"|\u201c[^\u201d]{1,400}\u201d|(?<![a-z])'[^']{3,400}'(?![a-z])", re.I)
_SELF_QUOTE = re.compile(r"\bi\s+(said|told\s+\w+|texted|wrote|screamed|yelled|typed|keep\s+saying|kept\s+saying)"
                         r"(\s+\w+){0,2}\s*[,:]?\s*$", re.I)
_CLAUSE = re.compile(r"(?<=[.!?;\n])\s+|\s+(?=\bbut\b)|,\s+(?=(and|so|because)\b)", re.I)


@dataclass
class CrisisResult:
    """``flag``: any indicator in the person's own words; ``evidence``: the quoted phrases (and
    where they are); ``excluded``: phrases that matched but were not counted, with the reason."""

    flag: bool
    evidence: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"flag": self.flag, "categories": self.categories, "evidence": self.evidence,
                "excluded": self.excluded}


def _quoted_spans(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, own) of each quotation; ``own``: introduced by "I said/told her ..."."""
    out = []
    for m in _QUOTE.finditer(text):
        before = text[max(0, m.start() - 60):m.start()]
        out.append((m.start(), m.end(), bool(_SELF_QUOTE.search(before))))
    return out


def _clauses(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for m in _CLAUSE.finditer(text):
        out.append((pos, text[pos:m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return [(p, c) for p, c in out if c.strip()]


def _is_negated(clause: str, end: int, rule: _Rule) -> bool:
    """A negator before the cue in its clause (a hedge is not one), unless the rule itself
    is a negated form ("don't want to live")."""
    if rule.negated_form:
        return False
    head = clause[:end]
    head = _HEDGE.sub(" ", head)
    neg = list(_NEG.finditer(head))
    if not neg:
        return False
    # "I never thought I'd want to die" or "not because I want to die": the negation scopes a
    # different verb when a new subject comes between it and the cue
    between = head[neg[-1].end():]
    return not re.search(r"\b(but|because|thought|think|knew|realized|realised|until|except)\b", between, re.I)


def detect_crisis(text: str, matcher=None) -> CrisisResult:
    """The crisis indicators in one text, with their evidence (see the module's docstring);
    ``matcher``: the similarity pass too (``crisis_similarity.bundled_matcher()``)."""
    return detect_many([text], matcher)[0]


def detect_many(texts: list[str], matcher=None) -> list[CrisisResult]:
    """``detect_crisis`` of each text; the similarity pass embeds every candidate sentence of
    all the texts in one batch."""
    results = [_patterns(t) for t in texts]
    if matcher is None:
        return results
    from affectkit.screen.crisis_similarity import guarded, split_sentences

    cands: list[tuple[int, int, str]] = []
    for k, (text, res) in enumerate(zip(texts, results)):
        for off, sent in split_sentences(text):
            a = text.find(sent, off)
            b = a + len(sent)
            if any(a <= e["start_char"] < b for e in res.evidence + res.excluded) or guarded(sent):
                continue  # the patterns already said (counted or excluded), or not the writer's own state
            cands.append((k, a, sent))
    for i, sim, proto in matcher.flagged([c[2] for c in cands]):
        k, a, sent = cands[i]
        res = results[k]
        res.evidence.append({"phrase": sent, "category": "ideation", "start_char": a, "end_char": a + len(sent),
                             "context": _context(texts[k], a, a + len(sent)),
                             "tense": "past" if _PAST.search(sent) else "present", "source": "similarity",
                             "similarity": sim, "similar_to": proto})
    for res in results:
        res.evidence.sort(key=lambda e: e["start_char"])
        res.flag = bool(res.evidence)
        res.categories = sorted({e["category"] for e in res.evidence}, key=list(_P).index)
    return results


def _patterns(text: str) -> CrisisResult:
    if not isinstance(text, str):
        raise TypeError(f"detect_crisis needs a string, not {type(text).__name__}")
    quotes = _quoted_spans(text)
    evidence: list[dict] = []
    excluded: list[dict] = []
    seen: set[tuple[int, int]] = set()
    for offset, clause in _clauses(text):
        for rule in _COMPILED:
            cat = rule.category
            for m in rule.rx.finditer(clause):
                a, b = offset + m.start(), offset + m.end()
                if any(a < e and s < b for s, e in seen):
                    continue
                phrase = text[a:b]
                item = {"phrase": phrase, "category": cat, "start_char": a, "end_char": b,
                        "context": _context(text, a, b)}
                reason = _why_not(clause, m.start(), m.end(), rule, a, b, quotes)
                seen.add((a, b))
                if reason:
                    excluded.append(dict(item, reason=reason))
                else:
                    item["tense"] = "past" if _PAST.search(clause) else "present"
                    item["source"] = "pattern"
                    evidence.append(item)
    evidence.sort(key=lambda e: e["start_char"])
    excluded.sort(key=lambda e: e["start_char"])
    cats = sorted({e["category"] for e in evidence}, key=list(_P).index)
    return CrisisResult(flag=bool(evidence), evidence=evidence, excluded=excluded, categories=cats)


def _why_not(clause: str, ms: int, me: int, rule: _Rule, a: int, b: int, quotes) -> str | None:
    """Why a match is not the writer's own crisis indicator (None: it is)."""
    window = clause[max(0, ms - 30):me + 30]
    if _IDIOM.search(window):
        return "idiom"
    for s, e, own in quotes:
        if s <= a and b <= e and not own:
            return "quoted (someone else's words)"
    if _SECOND.search(clause[max(0, ms - 5):me + 5]):
        return "aimed at someone else"
    if _THIRD_REFLEXIVE.search(clause):
        return "about someone else"
    head = clause[:ms]
    if _TOLD.search(head):
        return "someone else's words to the writer"
    if _ASKED.search(head):
        return "a question put to the writer"
    if _TOPIC.search(clause[ms:me + 40]) or _TOPIC_BEFORE.search(head[-40:]):
        return "the topic, not the writer's state"
    if rule.needs_self and not _FIRST.search(clause):
        return "not about the writer (no first-person word in the clause)"
    # the clause's subject is someone else: "my friend attempted suicide", "if you're thinking about suicide"
    subj = _OTHER_SUBJ.search(head)
    if subj and not re.search(r"\b(i|i'm|im|i've|i'd|i'll)\b", head[subj.end():], re.I):
        return "about someone else"
    if _is_negated(clause, me, rule):
        return "negated (a denial, not a disclosure)"
    return None


def _context(text: str, a: int, b: int, width: int = 60) -> str:
    s, e = max(0, a - width), min(len(text), b + width)
    return ("..." if s else "") + text[s:e].replace("\n", " ") + ("..." if e < len(text) else "")


# The floor to beat (bench/screen_benchmark.py): a plain keyword list, matched anywhere.
KEYWORDS = ("suicide", "suicidal", "kill myself", "end my life", "want to die", "self harm", "self-harm",
            "cut myself", "overdose", "hurt myself")


def keyword_flag(text: str) -> bool:
    """The plain keyword baseline: any of ``KEYWORDS`` anywhere in the text."""
    low = text.lower()
    return any(k in low for k in KEYWORDS)
