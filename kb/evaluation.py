"""`kb eval`: retrieval quality, abstention and citation lookup, measured on a question file.

Question file (YAML or JSON): {"questions": [{id, split, kind, question, expect | target}]}.
kind is "answerable" (expect: citations or "id:<source id>" entries), "unanswerable", or
"lookup" (target: the normalised citation). An expect entry matches a passage cited exactly so,
or any of its subdivisions or commentary headings ("§ 1808" matches "§ 1808(a)" and
"§ 1808 [History]", not "§ 1808.21").
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from kb.answer import AnswerSettings, answer_question
from kb.errors import InputError, KbError
from kb.models import Chunk
from kb.query import parse_query
from kb.retrieval import MODES, Retriever

KS = (1, 3, 5, 10)
KINDS = ("answerable", "unanswerable", "lookup")
SPLITS = ("tune", "heldout")


@dataclass(frozen=True)
class Question:
    id: str
    split: str
    kind: str
    question: str
    expect: tuple[str, ...] = ()
    target: str = ""
    group: str = ""  # e.g. "seed": the seed FAQ's own questions and their paraphrases
    topic: str = ""  # e.g. "police", "off-topic": the everyday questions' topic (issue 13)


@dataclass
class ModeResult:
    mode: str
    hits_at: dict[int, int] = field(default_factory=lambda: {k: 0 for k in KS})
    reciprocal_ranks: list[float] = field(default_factory=list)
    ndcgs: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)

    def summary(self, n: int) -> dict:
        lat = sorted(self.latencies_ms)
        return {
            "mode": self.mode,
            **{f"recall@{k}": _ratio(self.hits_at[k], n) for k in KS},
            "mrr": round(statistics.fmean(self.reciprocal_ranks), 4) if self.reciprocal_ranks else 0.0,
            "ndcg@10": round(statistics.fmean(self.ndcgs), 4) if self.ndcgs else 0.0,
            "latency_ms_median": round(statistics.median(lat), 2) if lat else 0.0,
            "latency_ms_p95": round(lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)], 2) if lat else 0.0,
        }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def load_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise InputError(f"question file {path} does not exist (pass --questions FILE)")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # yaml and json raise different types; both mean "unreadable"
        raise InputError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'YAML'} ({exc})") from None
    out, seen = [], set()
    for i, item in enumerate((data or {}).get("questions", [])):
        where = f"{path}: question {i + 1}"
        try:
            q = Question(
                id=str(item["id"]), split=item["split"], kind=item["kind"], question=item["question"],
                expect=tuple(item.get("expect") or ()), target=item.get("target") or "",
                group=str(item.get("group") or ""), topic=str(item.get("topic") or ""),
            )
        except (KeyError, TypeError):
            raise InputError(f"{where}: needs id, split, kind and question") from None
        if q.kind not in KINDS or q.split not in SPLITS:
            raise InputError(f"{where} ({q.id}): kind must be one of {KINDS}, split one of {SPLITS}")
        if q.kind == "answerable" and not q.expect or q.kind == "lookup" and not q.target:
            raise InputError(f"{where} ({q.id}): an answerable question needs expect, a lookup a target")
        if q.id in seen:
            raise InputError(f"{where}: duplicate id {q.id}")
        seen.add(q.id)
        out.append(q)
    if not out:
        raise InputError(f"{path}: no questions")
    return out


def matches(expect: str, chunk: Chunk) -> bool:
    if expect.startswith("id:"):
        return chunk.source_id == expect[3:]
    return chunk.citation == expect or chunk.citation.startswith((expect + "(", expect + " ["))


def evaluate(
    retriever: Retriever,
    questions: list[Question],
    *,
    modes: tuple[str, ...] = MODES,
    answer_settings: AnswerSettings = AnswerSettings(),
) -> dict:
    """Every mode over the same questions; see the module docstring for the file format."""
    answerable = [q for q in questions if q.kind == "answerable"]
    unanswerable = [q for q in questions if q.kind == "unanswerable"]
    lookups = [q for q in questions if q.kind == "lookup"]
    chunks = [sc.chunk for sc in retriever.index.chunks]
    for q in answerable:
        for e in q.expect:
            if not any(matches(e, c) for c in chunks):
                raise KbError(f"question {q.id}: expected {e!r} matches no passage in the index")
    retriever.searcher.embed("warm-up")  # load the encoder before timing anything
    results = {}
    for mode in modes:
        r = ModeResult(mode)
        retriever.search("warm-up", k=1, mode=mode)
        for q in answerable:
            start = time.perf_counter()
            hits = retriever.search(q.question, k=10, mode=mode)
            r.latencies_ms.append((time.perf_counter() - start) * 1000)
            relevant = [any(matches(e, h.chunk) for e in q.expect) for h in hits]
            first = relevant.index(True) + 1 if True in relevant else None
            for k in KS:
                r.hits_at[k] += first is not None and first <= k
            r.reciprocal_ranks.append(1 / first if first else 0.0)
            n_relevant = sum(any(matches(e, c) for e in q.expect) for c in chunks)
            dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(relevant) if rel)
            ideal = sum(1 / math.log2(i + 2) for i in range(min(10, n_relevant)))
            r.ndcgs.append(dcg / ideal if ideal else 0.0)
            if first is None or first > 5:
                r.misses.append({
                    "id": q.id, "question": q.question, "expected": list(q.expect),
                    "rank": first, "got": [h.chunk.citation for h in hits[:3]],
                })
        results[mode] = r
    abstention = _abstention(retriever, answerable, unanswerable, answer_settings)
    lookup = _lookups(retriever, lookups)
    return {
        "questions": {"answerable": len(answerable), "unanswerable": len(unanswerable), "lookup": len(lookups)},
        "modes": [results[m].summary(len(answerable)) for m in modes],
        "abstention": abstention,
        "lookups": lookup,
        "misses": {m: results[m].misses for m in modes},
    }


def _abstention(retriever, answerable, unanswerable, settings) -> dict:
    wrong, right, wrong_ids, missed_ids = 0, 0, [], []
    # An answer marked closest says no passage decides the question: right for a near miss,
    # a cost on an answerable question (it reads as "the law does not decide this").
    closest_right, closest_wrong = 0, 0
    best_answerable, best_unanswerable = [], []
    quality = _AnswerQuality()
    topics = _TopicTally()
    for q in answerable + unanswerable:
        query = parse_query(q.question)
        best = retriever.searcher.best_cosine(query)
        answer = answer_question(retriever, query, settings=settings)
        abstained = answer.abstained
        quality.add(q, answer)
        topics.add(q, answer)
        # Questions the threshold does not apply to play no part in calibrating it.
        exempt = retriever.resolver.names_known_law(query) or (
            retriever.searcher.lexical_strength(query) >= settings.lexical_rescue
        )
        if q.kind == "answerable":
            if not exempt:
                best_answerable.append(best)
            if abstained:
                wrong += 1
                wrong_ids.append(q.id)
            closest_wrong += answer.closest
        else:
            closest_right += abstained or answer.closest
            if not exempt:
                best_unanswerable.append(best)
            if abstained:
                right += 1
            else:
                missed_ids.append(q.id)
    return {
        "threshold": settings.abstain_below,
        "unanswerable_abstained": _ratio(right, len(unanswerable)),
        "answerable_wrongly_abstained": _ratio(wrong, len(answerable)),
        "unanswerable_declined_or_closest": _ratio(closest_right, len(unanswerable)),
        "answerable_marked_closest": _ratio(closest_wrong, len(answerable)),
        "wrongly_abstained": wrong_ids,
        "not_abstained": missed_ids,
        "answerable_count": len(answerable),
        "best_cosine_answerable": [round(x, 4) for x in best_answerable],
        "best_cosine_unanswerable": [round(x, 4) for x in best_unanswerable],
        **quality.summary(),
        "topics": topics.summary(),
        "topic_misses": topics.misses,
    }


LEAD_SENTENCES = 2  # "lead on point": an expected passage gives one of the first two sentences


@dataclass
class _TopicTally:
    """Per split and topic, for questions with a topic (the everyday group of issue 13): lead
    on point (an expected passage gives one of the first LEAD_SENTENCES answer sentences; an
    abstention is not on point), expected shown (an expected passage among the passages the
    answer lists), on-topic questions wrongly abstained, off-topic questions abstained."""

    rows: dict = field(default_factory=dict)  # (split, topic) -> counts
    misses: list = field(default_factory=list)

    def add(self, q: Question, answer) -> None:
        if not q.topic:
            return
        if q.kind != "answerable":  # an off-topic question: kb should decline it
            row = self.rows.setdefault((q.split, q.topic), {"n": 0, "lead": 0, "shown": 0, "abstained": 0, "kind": q.kind})
            row["n"] += 1
            row["abstained"] += answer.abstained
            return
        keys = [(q.split, q.topic), (q.split, "all")]
        for key in keys:
            self.rows.setdefault(key, {"n": 0, "lead": 0, "shown": 0, "abstained": 0, "kind": q.kind})
        by_id = {h.chunk.id: h for h in answer.hits}
        lead_hits = [by_id[s.chunk_ids[0]] for s in answer.sentences[:LEAD_SENTENCES]]
        lead = not answer.abstained and any(matches(e, h.chunk) for h in lead_hits for e in q.expect)
        shown = not answer.abstained and any(matches(e, h.chunk) for h in answer.hits for e in q.expect)
        for key in keys:
            row = self.rows[key]
            row["n"] += 1
            row["lead"] += lead
            row["shown"] += shown
            row["abstained"] += answer.abstained
        if not lead:
            self.misses.append({
                "id": q.id, "split": q.split, "topic": q.topic, "question": q.question,
                "expected": list(q.expect), "abstained": answer.abstained,
                "lead": [h.chunk.citation for h in lead_hits],
                "shown": [h.chunk.citation for h in answer.hits],
            })

    def summary(self) -> list[dict]:
        out = []
        for (split, topic), row in sorted(self.rows.items(), key=lambda kv: (kv[0][0], kv[0][1] == "all", kv[0][1])):
            n = row["n"]
            if row["kind"] == "answerable":
                out.append({"split": split, "topic": topic, "questions": n,
                            "lead_on_point": _ratio(row["lead"], n), "expected_shown": _ratio(row["shown"], n),
                            "wrongly_abstained": _ratio(row["abstained"], n)})
            else:
                out.append({"split": split, "topic": topic, "questions": n,
                            "off_topic_abstained": _ratio(row["abstained"], n)})
        return out


@dataclass
class _AnswerQuality:
    """What the answers are made of, over the answerable questions given answer sentences."""

    answered: int = 0
    from_law_or_notes: int = 0  # every sentence from primary law or one of our notes
    from_secondary: int = 0  # some sentence from a secondary guide kept as received (never wanted)
    from_reports: int = 0  # some sentence from a report we digested (a development), labelled
    cites_expected: int = 0  # some sentence from an expected passage
    first_expected: int = 0  # the first sentence from an expected passage
    groups: dict = field(default_factory=dict)  # question group -> [answered, first_expected]
    misses: list = field(default_factory=list)

    def add(self, q: Question, answer) -> None:
        if q.kind != "answerable" or not answer.sentences:
            return
        by_id = {h.chunk.id: h for h in answer.hits}
        sources = [by_id[s.chunk_ids[0]] for s in answer.sentences]
        self.answered += 1
        self.from_law_or_notes += all(h.source.is_primary or h.source.authority == "note" for h in sources)
        self.from_secondary += any(h.source.authority == "secondary" and not h.source.is_report for h in sources)
        self.from_reports += any(h.source.is_report for h in sources)
        expected = [any(matches(e, h.chunk) for e in q.expect) for h in sources]
        self.cites_expected += any(expected)
        self.first_expected += expected[0]
        tally = self.groups.setdefault(q.group or "other", [0, 0])
        tally[0] += 1
        tally[1] += expected[0]
        if not expected[0]:
            self.misses.append({"id": q.id, "question": q.question, "expected": list(q.expect),
                                "first": sources[0].chunk.citation, "text": answer.sentences[0].text})

    def summary(self) -> dict:
        n = self.answered
        return {
            "answered": n,
            "answers_from_law_or_notes": _ratio(self.from_law_or_notes, n),
            "answers_with_secondary": _ratio(self.from_secondary, n),
            "answers_with_reports": _ratio(self.from_reports, n),
            "answer_cites_expected": _ratio(self.cites_expected, n),
            "first_sentence_from_expected": _ratio(self.first_expected, n),
            "first_sentence_by_group": {g: _ratio(b, a) for g, (a, b) in sorted(self.groups.items())},
            "first_sentence_misses": self.misses,
        }


def _lookups(retriever, lookups) -> dict:
    exact, failures = 0, []
    for q in lookups:
        try:
            ref, hits = retriever.cite(q.question)
            ok = ref.format() == q.target and bool(hits) and hits[0].chunk.citation == q.target
            got = hits[0].chunk.citation if hits else ref.format()
        except KbError as exc:
            ok, got = False, f"error: {exc}"
        exact += ok
        if not ok:
            failures.append({"id": q.id, "query": q.question, "target": q.target, "got": got})
    return {"exact": _ratio(exact, len(lookups)), "count": len(lookups), "failures": failures}


def calibrate_threshold(
    best_answerable: list[float], best_unanswerable: list[float], answerable_count: int,
    max_wrong: float = 0.05,
) -> float:
    """The abstention threshold with the widest margin: among thresholds that abstain on as
    many unanswerable questions as possible while wrongly abstaining on at most `max_wrong` of
    all `answerable_count` answerable ones, the middle of that range. The inputs are the best
    cosines of the questions the threshold applies to (not those naming a known law)."""
    allowed = int(max_wrong * answerable_count)
    ordered = sorted(best_answerable)
    # Above this, more than `allowed` answerable questions fall below the threshold.
    highest = ordered[allowed] if len(ordered) > allowed else 1.0
    caught = [u for u in best_unanswerable if u < highest]
    lowest = max(caught) + 1e-4 if caught else 0.0
    return round((lowest + highest) / 2, 4)


def format_report(report: dict, split: str) -> str:
    q = report["questions"]
    lines = [
        f"kb eval — split: {split}; {q['answerable']} answerable, {q['unanswerable']} unanswerable, "
        f"{q['lookup']} lookups",
        "",
        f"{'mode':<8} {'R@1':>6} {'R@3':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6} {'nDCG@10':>8} {'p50 ms':>7} {'p95 ms':>7}",
    ]
    for m in report["modes"]:
        lines.append(
            f"{m['mode']:<8} {m['recall@1']:>6.3f} {m['recall@3']:>6.3f} {m['recall@5']:>6.3f} "
            f"{m['recall@10']:>6.3f} {m['mrr']:>6.3f} {m['ndcg@10']:>8.3f} "
            f"{m['latency_ms_median']:>7.1f} {m['latency_ms_p95']:>7.1f}"
        )
    a = report["abstention"]
    lines += [
        "",
        f"abstention (kb ask, threshold {a['threshold']}): unanswerable abstained "
        f"{a['unanswerable_abstained']:.1%}; answerable wrongly abstained {a['answerable_wrongly_abstained']:.1%}",
        f"closest (answered, saying no passage decides it): unanswerable abstained or marked closest "
        f"{a['unanswerable_declined_or_closest']:.1%}; answerable marked closest {a['answerable_marked_closest']:.1%}",
        f"answers ({a['answered']} answerable questions answered): all sentences from primary law or "
        f"notes {a['answers_from_law_or_notes']:.1%}; any from a secondary guide "
        f"{a['answers_with_secondary']:.1%}; any from a report {a['answers_with_reports']:.1%}; "
        f"cites an expected passage {a['answer_cites_expected']:.1%}; "
        f"first sentence from an expected passage {a['first_sentence_from_expected']:.1%}",
        "  first sentence from an expected passage, by question group: " + ", ".join(
            f"{g} {v:.1%}" for g, v in a["first_sentence_by_group"].items()),
        f"citation lookups: {report['lookups']['exact']:.1%} exact of {report['lookups']['count']}",
    ]
    if a["not_abstained"] or a["wrongly_abstained"]:
        lines.append(f"  answered but unanswerable: {', '.join(a['not_abstained']) or '-'}")
        lines.append(f"  abstained but answerable: {', '.join(a['wrongly_abstained']) or '-'}")
    for f in report["lookups"]["failures"]:
        lines.append(f"  lookup miss {f['id']}: {f['query']!r} -> {f['got']} (want {f['target']})")
    if a.get("topics"):
        lines += ["", "everyday questions by split and topic (lead on point = an expected passage gives one of "
                  "the first two answer sentences):",
                  f"  {'split':<8} {'topic':<16} {'n':>4} {'lead':>7} {'shown':>7} {'abstain':>8}"]
        for row in a["topics"]:
            if "off_topic_abstained" in row:
                lines.append(f"  {row['split']:<8} {row['topic']:<16} {row['questions']:>4} {'':>7} {'':>7} "
                             f"{row['off_topic_abstained']:>8.1%}  (off-topic abstained)")
            else:
                lines.append(f"  {row['split']:<8} {row['topic']:<16} {row['questions']:>4} "
                             f"{row['lead_on_point']:>7.1%} {row['expected_shown']:>7.1%} "
                             f"{row['wrongly_abstained']:>8.1%}")
        for miss in a.get("topic_misses", []):
            what = "abstained" if miss["abstained"] else "lead " + " | ".join(miss["lead"])
            lines.append(f"  miss {miss['id']} [{miss['topic']}] {miss['question']!r}: {what}; "
                         f"want {', '.join(miss['expected'])}")
    first_misses = a.get("first_sentence_misses", [])
    if first_misses:
        lines += ["", "answers whose first sentence is not from an expected passage:"]
        for miss in first_misses:
            lines.append(f"  {miss['id']} {miss['question']!r}")
            lines.append(f"      first from {miss['first']}; want {', '.join(miss['expected'])}")
    hybrid_misses = report["misses"].get("hybrid", [])
    if hybrid_misses:
        lines += ["", "hybrid misses (no expected passage in the top 5):"]
        for miss in hybrid_misses:
            lines.append(f"  {miss['id']} {miss['question']!r}")
            lines.append(f"      want {', '.join(miss['expected'])}; rank {miss['rank'] or '>10'}")
            lines.append(f"      got  {' | '.join(miss['got'])}")
    return "\n".join(lines)
