"""Whether a question's words put it on the corpus's subject (kb/subject.py)."""

import pytest

from kb.subject import on_subject, subject_groups


@pytest.mark.parametrize("question", [
    "can LAPD share someone's citizenship or immigration status with DHS",  # all three groups
    "was the Values Act challenged in court",  # a named law
    "what does 'federal limits apply' on my license mean",  # the AB 60 card's notice, named
    "la policía puede darle mi dirección a la migra?",  # Spanish, through the glossary
    "can my employer share my license information",
])
def test_questions_on_the_corpus_subject(question):
    assert on_subject(question)


@pytest.mark.parametrize("question", [
    "how do I make a DMV appointment online",  # the DMV alone: one group
    "how do I renew my US passport",  # a document alone
    "can my landlord evict me without a court order",
    "what is the weather in Sacramento tomorrow",
    "how can my mother get a tourist visa to visit me",
])
def test_questions_off_the_corpus_subject(question):
    assert not on_subject(question), subject_groups(question)
