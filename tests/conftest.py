"""Shared fixtures: a tiny corpus in tmp_path and indexes built from it with the hashing embedder.

The hashing embedder (`--model hashing-64`) is deterministic and needs no model file, so these
tests are fast; tests marked `slow` use the real packaged model.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kb.config import Settings

FAKE_MODEL = "hashing-64"

STATUTE = """\
---
id: ca-veh-9999.1
title: Test section on records
citation: Cal. Veh. Code § 9999.1
jurisdiction: CA
authority: statute
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.1.
as_of: 2026-11-25
source_read: https://example.test/page
verified: official
---

A summary sentence about confidential residence addresses held by the department.

## (a)

The department keeps residence addresses confidential and releases them only to courts.

### (1)

Paragraph one covers law enforcement agencies requesting an address.

#### (A)

Subparagraph A says the request must be in writing — señal: niño, café.

### (2)

Paragraph two covers attorneys.

## (b)

| who | what |
| --- | --- |
| insurers | accident addresses |

## History

Added by a test bill in 2013.
"""

FEDERAL = """\
---
id: us-usc-18-9721
title: Test federal section
citation: 18 U.S.C. § 9721
jurisdiction: US
authority: statute
url: https://www.law.cornell.edu/uscode/text/18/9721
as_of: 2026-11-25
verified: secondary
subdivisions: partial
---

Federal summary on disclosure by state motor vehicle departments.

## (b)

### (1)

Any government agency may receive personal information to carry out its functions.
"""

# A court decision's front matter (a body follows): tests that need a case in the corpus.
CASE_FRONT_MATTER = """\
---
id: case-us-v-testland-2030
title: "United States v. Testland (9th Cir. 2030): a test case"
citation: "United States v. Testland, 999 F.3d 1 (9th Cir. 2030)"
jurisdiction: US
authority: case
url: https://example.test/case
as_of: 2030-01-01
verified: official
---
"""

FAQ = """\
---
id: faq-test
title: Test FAQ
citation: "FAQ, Test guide"
jurisdiction: CA
authority: secondary
as_of: 2026-11-25
---

A secondary guide.

## Q1. When was the license law passed?

The license law passed in 2019, the guide says.

## Q2. Can I opt out?

Yes, by filling in a form, the guide says.
"""

NOTE = """\
---
id: note-faq-test-q1
title: "Correction: the law passed in 2013"
citation: "kb correction note to FAQ Q1"
jurisdiction: CA
authority: note
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.1.
as_of: 2026-11-25
verified: official
corrects: [faq-test#Q1]
cites: ["Cal. Veh. Code § 9999.1"]
---

The guide's year is wrong: the license law passed in 2013 (Cal. Veh. Code § 9999.1).
"""

OPT_OUT_NOTE = """\
---
id: note-faq-test-q2
title: "Correction: there is no opt-out"
citation: "kb correction note to FAQ Q2"
jurisdiction: CA
authority: note
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.1.
as_of: 2026-11-25
verified: official
corrects: [faq-test#Q2]
cites: ["18 U.S.C. § 9721(b)(1)", "Cal. Veh. Code § 9999.1(a)", "Cal. Veh. Code § 1234"]
---

There is no opt-out form: no law lets a person stop the department from giving records to a government agency. The guide's form does not exist (AB 77 created none).
"""


def write_corpus(root: Path, files: dict[str, str] | None = None) -> Path:
    files = files if files is not None else {
        "ca/veh-9999.1.md": STATUTE,
        "us/usc-18-9721.md": FEDERAL,
        "secondary/faq-test.md": FAQ,
        "notes/faq-q1.md": NOTE,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


_HYPOTHESIS_HOME: list[str] = []


def pytest_configure(config):
    """hypothesis caches what it learns in ./.hypothesis, from collection on: keep tests from
    writing in the repository (STYLE.md: no test writes outside its temporary folders)."""
    import tempfile

    from hypothesis.configuration import set_hypothesis_home_dir

    _HYPOTHESIS_HOME.append(tempfile.mkdtemp(prefix="kb-hypothesis-"))
    set_hypothesis_home_dir(_HYPOTHESIS_HOME[-1])


def pytest_unconfigure(config):
    import shutil

    for folder in _HYPOTHESIS_HOME:
        shutil.rmtree(folder, ignore_errors=True)


def generation(index_dir: Path) -> Path:
    """The folder of the generation CURRENT points at: where an index's files are."""
    from kb.generations import generations_dir, read_pointer

    gid = read_pointer(index_dir)
    assert gid is not None, f"no CURRENT pointer in {index_dir}"
    return generations_dir(index_dir) / gid


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    return Settings(corpus_dir=corpus_dir, index_dir=tmp_path / "index", model=FAKE_MODEL)


@pytest.fixture
def built(settings: Settings) -> Settings:
    from kb.indexing import build_index

    build_index(settings)
    return settings
