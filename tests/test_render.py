"""Human output of an answer: within an 80 × 40 terminal, quoted sources always kept."""

from kb.models import Answer, AnswerSentence
from kb.render import HEIGHT, answer_text, terminal_rows
from kb.retrieval import Retriever
from kb.store import open_index


def test_a_long_answer_drops_unquoted_sources_to_fit_and_says_how_many(built):
    r = Retriever(open_index(built.index_dir), built)
    hits = [r.hit(row, 1.0) for row in range(len(r.index.chunks))]
    quoted = hits[-1]  # the last listed: it must survive the trimming all the same
    long = " ".join(["The department keeps residence addresses confidential."] * 14)
    answer = Answer("q", False, (AnswerSentence(long, (quoted.chunk.id,), False, "statute"),), tuple(hits))
    text = answer_text(answer)
    assert terminal_rows(text) <= HEIGHT < terminal_rows(answer_text(answer, full=True))
    assert quoted.chunk.citation in text and text.count("[") >= 2
    dropped = len(hits) - text.count("\n[")
    assert dropped > 0 and text.endswith(f"Whole passages and {dropped} more sources: kb ask --full, or kb cite CITATION.")


def test_rows_count_wrapped_lines():
    assert terminal_rows("x" * 80) == 1
    assert terminal_rows("x" * 81 + "\n\nshort") == 4


def test_an_answer_no_passage_decides_says_it_gives_the_closest_law(built):
    from kb.render import answer_json

    r = Retriever(open_index(built.index_dir), built)
    hit = r.hit(1, 1.0)
    sentence = AnswerSentence("The department keeps residence addresses confidential.", (hit.chunk.id,), False, "statute")
    text = answer_text(Answer("q", False, (sentence,), (hit,), closest=True))
    assert text.startswith("No passage decides this exactly; the closest the law comes:\n  The department")
    assert answer_text(Answer("q", False, (sentence,), (hit,))).startswith("Answer:\n")
    assert answer_json(Answer("q", False, (sentence,), (hit,), closest=True))["closest"] is True


def test_two_windows_of_one_passage_share_one_number_and_one_listing(built):
    from dataclasses import replace

    from kb.render import answer_markdown

    r = Retriever(open_index(built.index_dir), built)
    first = r.hit(1, 1.0)
    chunk = replace(first.chunk, parts=2)
    one = replace(first, chunk=chunk)
    two = replace(first, chunk=replace(chunk, id="second-window", part=1, text="The second window says more."))
    other = r.hit(0, 0.5)
    sentences = (AnswerSentence("The department keeps residence addresses confidential.", (one.chunk.id,), False, "statute"),
                 AnswerSentence("The second window says more.", (two.chunk.id,), False, "statute"))
    answer = Answer("q", False, sentences, (one, two, other))
    text = answer_text(answer)
    assert text.count(f"] {chunk.citation} ·") == 1  # listed once
    assert "confidential. [1]" in text and "says more. [1]" in text and "\n[2] " in text
    memo = answer_markdown(answer)
    assert memo.count("[^1]: ") == 1 and "(part 2 of 2)[^1]" in memo
    # --full shows both windows' text, under the one number.
    assert answer_text(answer, full=True).count("[1] ") == 2
