"""Whether a question's words put it on the corpus's subject (kb/subject.py)."""

import pytest

from kb.subject import (acts_named, agents_at_home, agents_at_place, asks_errand, asks_of_unnamed, holders_named,
                        license_held_against, on_subject, others_asked, outside_holders, outside_sharer, parties_asked,
                        parties_named, police_asked, policy_place, subject_groups)


@pytest.mark.parametrize("question", [
    "can LAPD share someone's citizenship or immigration status with DHS",  # all three groups
    "was the Values Act challenged in court",  # a named law
    "what does 'federal limits apply' on my license mean",  # the AB 60 card's notice, named
    "la policía puede darle mi dirección a la migra?",  # Spanish, through the glossary
    "can my employer share my license information",
    "cops pulled me over and asked if im legal, can they do that",  # police, and status in a client's words
    "can ICE run my plates",  # a car's plates and registration are the DMV's records
    "what year did the TRUTH Act take effect",  # Gov. Code §§ 7283-7283.1, named (twelfth session)
    "when was the Keep Washington Working act passed",
    # An employer, a business or a landlord requiring or refusing a license: Veh. Code § 12801.9(g).
    "job ad says 'must have valid CA drivers license' for a cashier job that doesn't drive, can they require that",
    "apartment manager turned me down because of my license",
    "cop pulled me over and asked where im from, is that allowed",  # origin asked: status
    "my cousin got deported after a traffic stop, was that legal",  # a traffic stop: the police
    "can a landlord ask for my license",  # asked to show it: Veh. Code § 12801.9(g)(2)(A)
    "can a cop ask me where I was born",  # origin asked: status (before: refused, 0.433 < 0.615)
    "our company wants to make every new employee show a driver's license",  # two words after "every"
    "the officer asked me for my green card at a traffic stop",  # asked for papers: status (0.572 before)
    "does California share driver data with Nlets",  # a network the corpus reports on, named
    "can my ex use the DMV to find me",  # where someone lives, asked without "address" (seventeenth session)
    "can the sheriff tell ICE where I work",
    # The corpus's own terms (eighteenth session: each was refused, one group of words).
    "what is an immigration hold", "how long can ICE detainers last", "does 287g exist in California",
])
def test_questions_on_the_corpus_subject(question):
    assert on_subject(question)


def test_a_cars_registration_and_plates_are_records_the_dmv_holds():
    assert "dmv" in holders_named("can ICE find me through my car registration")
    assert "dmv" in holders_named("can immigration agents look up my license plates")
    assert not on_subject("how much do personalized plates cost")  # the records alone: one group


@pytest.mark.parametrize("question", [
    "how do I make a DMV appointment online",  # the DMV alone: one group
    "how do I renew my US passport",  # a document alone
    "can my landlord evict me without a court order",
    "what is the weather in Sacramento tomorrow",
    "how can my mother get a tourist visa to visit me",
    # A law's name inside other words is not its name: "surreal identity" is not REAL ID,
    # "declets" not CLETS (the named-law pattern once bounded only its first and last names).
    "a surreal identity crisis at the dmv",
    "my declets card at the dmv",
    "does my employer have to let me leave early to renew my license",  # a license and a boss, nothing held against it
    "can my boss refuse to pay me overtime",  # refused, but no license
    "how do I find my way to the DMV office",  # finding a place, not a person
])
def test_questions_off_the_corpus_subject(question):
    assert not on_subject(question), subject_groups(question)


@pytest.mark.parametrize(("question", "named"), [
    ("does USCIS share the info from my DACA application with ICE", ["USCIS"]),
    ("can ICE see my Medi-Cal or CalFresh records",
     ["public-benefit programs (Medi-Cal, CalFresh, Covered California and the like)"]),
    ("if i sign up for covered california does my info get shared with ICE",
     ["public-benefit programs (Medi-Cal, CalFresh, Covered California and the like)"]),
    ("will the immigration judge see my tax returns from the IRS", ["the IRS", "immigration courts"]),
    ("can the DMV send my records to the IRS", []),  # the DMV named: records the corpus governs
    ("if i apply for a passport for my daughter will the state department report me to ICE",
     ["the U.S. State Department (passports)"]),
    ("can the DMV give ICE the passport copy I showed for my license", []),
    ("can the first officer on scene ask about my status", []),  # "first" is not the IRS
    ("REAL ID: must the state check my social security number with the SSA", []),  # a law the corpus holds
    ("can the hospital give my medical records to immigration agents", []),  # "medical" is not Medi-Cal
    ("does the county assessor tell immigration who owns which house",
     ["county assessors and recorders (property records, marriage and other vital records)"]),
    ("will ICE see my name if I get a street vendor permit from the city", ["city permit offices"]),
    ("are census answers shared with ICE", ["the Census Bureau"]),
    ("can the sheriff give ICE the property records he pulled on me", []),  # the police named
    ("does the state bar share info with immigration", ["the State Bar"]),
    ("does the department of labor report workers to ICE", ["the U.S. Department of Labor"]),
    ("can the labor commissioner tell ICE about my wage claim", []),  # § 7284.8(a)'s place: its policy
])
def test_holders_of_records_the_corpus_holds_no_law_on(question, named):
    assert sorted(outside_holders(question)) == sorted(named)


@pytest.mark.parametrize(("question", "sharer"), [
    # Whoever a question asks about sharing what it holds with immigration enforcement, when no
    # law here binds them.
    ("can the post office tell ICE where i live", "the post office"),
    ("will my bank report me to immigration if i open an account", "your bank"),
    ("can uber or lyft give ICE my ride history", "uber or lyft"),
    ("does the consulate of mexico give my info to ICE", "the consulate of mexico"),
    ("can ICE get my address from the post office?", "the post office"),
    ("does my phone company have to give ICE my location", "your phone company"),
    ("can the hospital give my medical records to immigration agents", "the hospital"),
    ("can the school give my kid's records to ICE", "the school"),
    ("¿el consulado puede darle mi información a ICE?", "the consulate"),  # read in English
    ("can the sheriff give ICE my release date", None),  # bound by the Values Act
    ("la policía le puede dar mi dirección a ICE?", None),
    ("can my bank give my DMV record to ICE", None),  # DMV records: the corpus's law governs them
    ("can the post office tell my landlord where i live", None),  # not immigration enforcement
    ("can they give my photo to ICE", None),  # no one named
    ("the county's database is run by a vendor, can the vendor hand data to ICE", None),  # for the county
    ("can ICE share my info with the FBI", None),  # ICE itself
    ("what does eligible for release mean for an ICE hold", None),  # no one named
    ("when did AB 2156 pass the assembly, and does ICE get the data", None),
    ("how do I get a green card through marriage", None),
    # What may stand between the one named and the verb, and buying from someone (twelfth session).
    ("is the gas company allowed to sell customer records to ICE?", "the gas company"),
    ("is my landlord supposed to report me to immigration", "your landlord"),
    ("my landlord says he'll call ICE on us if we complain. is that legal?", "your landlord"),
    ("my boss threatened to report me to ICE", "your boss"),
    # Twentieth session: a threat still being made ("is threatening to report me"), which had been
    # answered with the Values Act's reporting duty, Gov. Code § 7284.6(c).
    ("My landlord is threatening to report me to immigration so I'll move out, what can I do?", "your landlord"),
    ("my ex keeps saying she will call ICE on me", "your ex"),
    ("can ICE buy my address from a data broker without a warrant?", "a data broker"),
    ("is the DMV allowed to sell my address to ICE", None),  # the DMV: bound
    ("my deputy says he'll call ICE", None),  # the police: bound
    # A clause that goes on is no name: "ran my plate and passed my info" names no sharer.
    ("a guy at the tow yard ran my plate and passed my info to ICE. can I sue him?", None),
    # Records named by the place that keeps them: that place, answered from its model policies.
    ("can ICE get my kids school records", "the school"),
    ("can immigration see my hospital records", "the hospital"),
    ("can ICE get my DMV records", None),  # the DMV: bound
    # A place of § 7284.8(a) that a county runs is still that place (seventeenth session), and one
    # named where sharing happens is the sharer when no one else is ("will they report me").
    ("can the county hospital tell ICE I'm undocumented", "the county hospital"),
    ("si voy al hospital del condado, ¿me reportan a inmigración?", "the hospital"),
    ("if ICE comes to the shelter, do we have to give them the list of who slept there?", "the shelter"),
    ("can the labor commissioner tell immigration about my wage claim", "the labor commissioner"),
    ("can the county tell ICE where I live", None),  # the county itself: bound
    # In the passive, the phrase before the verb is what is shared, not who shares it (it was read
    # as a sharer: "no law on what your fingerprints may share").
    ("are my fingerprints sent to ICE when I get arrested", None),
    ("is my info shared with ICE", None),
    ("is the post office allowed to tell ICE where I live", "the post office"),  # active, after "is"
    ("is the courthouse supposed to have a policy limiting help to ICE?", None),  # § 7284.8(a) answers
    # An arrest asked about is the law's subject wherever it happens (Civ. Code § 43.54 for a courthouse).
    ("can ICE arrest me at the courthouse if the clerk calls them", None),
    # Plate readers: the ALPR law (Civ. Code § 1798.90.5 et seq.) binds whoever runs them; they
    # were read as a sharer no law binds ("no law on what plate reader cameras may share").
    ("do plate reader cameras send my info to ICE", None),
    ("do flock cameras share data with ICE", None),
    # A state: its law answers, or the answer says the corpus holds none (eighteenth session:
    # "does Washington share data with ICE" was refused as "what Washington may share").
    ("does Washington share data with ICE", None),
    ("does Texas share driver data with ICE", None),
])
def test_a_sharer_no_law_here_binds(question, sharer):
    assert outside_sharer(question) == sharer


def test_the_places_answered_from_the_model_policies_are_those_gov_code_7284_8_a_names():
    # kb/answer.py tells a question about one of PLACES that the closest law is the model
    # policies of Gov. Code § 7284.8(a): if the corpus's digest stops naming them, that must change.
    from pathlib import Path

    body = (Path(__file__).resolve().parent.parent / "corpus/ca/gov-7284.8.md").read_text(encoding="utf-8")
    subdivision = body[body.index("## (a)"):body.index("## (b)")]
    for place in ("public schools", "public libraries", "health facilities", "shelters", "University of California",
                  "courthouses", "Labor Standards Enforcement", "Workers' Compensation",
                  "Agricultural Labor Relations Board"):
        assert place in " ".join(subdivision.split()), place


def test_the_places_of_the_attorney_generals_model_policies_are_told_apart():
    # Gov. Code § 7284.8(a) speaks of them: a question about one is answered, not refused.
    assert policy_place("the school") == "school" and policy_place("the public library") == "library"
    assert policy_place("your school district") == "school"  # the place named, not the last word
    assert policy_place("the post office") is None and policy_place("your bank") is None
    # In the words § 7284.8(a) uses (the test above checks they are in its digest).
    assert policy_place("the county hospital") == "health facility" and policy_place("the clinic") == "health facility"
    assert policy_place("the superior court clerk") == "courthouse"
    assert policy_place("the labor commissioner") == "Labor Standards Enforcement"


def test_no_source_of_law_in_the_corpus_is_about_an_outside_holder():
    # If a law on one of them is added, the list (kb/subject.py) must drop it, or questions about
    # it would be told the corpus holds no such law.
    from pathlib import Path

    from kb.corpus import load_corpus

    corpus = Path(__file__).resolve().parent.parent / "corpus"
    for file in load_corpus(corpus):
        source = file.source
        about = f"{source.title} {source.citation} {file.body[:600]}"  # title and summary
        assert not outside_holders(about) or holders_named(about), (source.path, outside_holders(about))


def test_an_errand_is_one_only_while_it_asks_nothing_the_corpus_is_about():
    assert asks_errand("how do I make a DMV appointment online")
    assert asks_errand("how many points is a speeding ticket")
    assert asks_errand("mi licencia AB 60 se vence, puedo renovarla en línea")
    assert not asks_errand("renewing my license, can the DMV share my address with ICE")
    assert not asks_errand("the DMV wants more papers when I renew, can they ask for that")  # documents
    assert not asks_errand("how do I get my DMV record")  # no errand word
    assert not asks_errand("can my boss see that my license was suspended")  # who may know the record
    assert not asks_errand("my license was suspended, is that public")
    assert not asks_errand("my address suppression at the DMV runs out soon, how do I renew it")  # § 1808.21(e)
    assert not asks_errand("can I renew the confidential address on my license")
    # Contesting or paying a ticket (seventeenth session: "parking" and "ticket" had passed the
    # lexical rescue on § 1808.4(a)(19)'s parking enforcement officers).
    assert asks_errand("how do I fight a parking ticket")
    assert asks_errand("can I pay my traffic citation online")
    assert not asks_errand("can ICE see my parking tickets at the DMV")  # who may see the record
    # How long a card lasts, a name changed on it, a car registered, a placard (nineteenth
    # session: "how long is a california driver's license valid" was answered from § 12801.9(f)).
    assert asks_errand("how long is a california driver's license valid")
    assert asks_errand("how do I change my name on my license")
    assert asks_errand("how do I register my car")
    assert asks_errand("how do I get a disabled parking placard")
    assert not asks_errand("how long does the DMV keep my address confidential")  # § 1808.21
    assert not asks_errand("can ICE see my car registration")  # who may see the record


def test_a_license_another_office_issues_is_no_record_of_the_dmv():
    assert holders_named("can ICE see my marriage license") == frozenset()
    assert holders_named("my business license from the city") == frozenset()
    assert holders_named("can ICE see my license") == {"dmv"}
    assert not on_subject("can ICE see my marriage license")  # immigration, and no record the corpus holds
    # In Spanish, the county's registry is its recorder: no law here says what it may share.
    assert outside_holders("¿el registro del condado le pasa a ICE los datos de mi licencia de matrimonio?") == [
        "county assessors and recorders (property records, marriage and other vital records)"]


def test_the_parties_bound_not_to_discriminate_are_read_from_the_question():
    assert parties_named("the gym would not take my AB 60 license") == {"business"}
    assert parties_named("my boss asked for my license") == {"employer"}
    assert parties_named("my new manager saw my license and cut my shifts") == {"employer"}
    assert parties_named("the county clinic called the police") == {"government"}
    assert parties_named("my landlord saw my license") == frozenset()  # no passage says which rule binds one


def test_acts_named_by_their_popular_names_are_their_bills():
    assert acts_named("when did the TRUTH Act take effect") == {"AB 2792"}
    assert acts_named("is the Values Act older than the TRUST Act") == {"SB 54", "AB 4"}
    assert acts_named("what does the act say about trust") == frozenset()


@pytest.mark.parametrize(("question", "others"), [
    ("can a landlord ask for my immigration status", "landlords"),
    ("can my employer ask about my immigration status", "employers"),
    ("can my kid's school ask about our immigration status", "schools, hospitals and other such places"),
    ("can the police ask about my immigration status", None),  # the police: the Values Act binds them
    ("can the county jail ask my status", None),
    ("can the county ask about my status", None),  # a county's police are bound
    ("ICE phoned asking for a guy's employer address, can I give it", None),  # no employer asked of
    ("can my landlord ask the DMV for my address", None),  # the DMV named: its rules may decide
    ("can the DMV ask about my immigration status", "the DMV"),  # asked of the DMV itself
    ("can the DMV give the police my address", None),  # the police named
    ("can my employer ask for my AB 60 license", None),  # a law named: § 12801.9(g) decides
    # What federal immigration agents may do: the Values Act binds California's police, not them
    # (eighteenth session).
    ("can ICE come into my house if they have a warrant from ICE", "federal immigration agents"),
    ("can immigration officers take my phone", "federal immigration agents"),  # "officers": no police
    ("¿la migra puede entrar a mi casa?", "federal immigration agents"),
    ("can ICE get my address from the DMV", None),  # what ICE obtains: the holder's rule decides
    ("can the police let ICE come into the jail", None),  # the police named
])
def test_whom_a_question_asks_about_other_than_the_police(question, others):
    assert others_asked(question) == others


def test_what_immigration_agents_may_do_is_told_from_what_they_may_obtain():
    assert "agents" in parties_asked("can ICE arrest me without a warrant")
    assert "agents" in parties_asked("can border patrol search my car")
    assert "agents" not in parties_asked("can ICE get my home address from the DMV")  # obtaining: no act on a person
    assert "agents" not in parties_asked("can the sheriff let ICE interview my son")  # the police named
    assert "agents" in parties_asked("can ICE track my phone location")
    assert police_asked("can police search my car without a warrant") and not police_asked("can ICE search my car")
    # Entering a home: no law the corpus holds decides it.
    assert agents_at_home("can ICE come into my apartment with a paper signed by an ICE officer, not by a judge?")
    assert agents_at_home("can immigration agents enter my house without a warrant")
    assert agents_at_home("¿la migra puede entrar a mi casa?")
    assert not agents_at_home("can ICE arrest me at home")  # an arrest: 8 U.S.C. § 1357(a) speaks to it
    assert not agents_at_home("can ICE get my home address from the DMV")
    # At one of Gov. Code § 7284.8(a)'s places: no law here says what the agents may do there (the
    # place's model policy aside), but at a courthouse (Civ. Code § 43.54). Nineteenth session:
    # "can ICE arrest me at a hospital" had been answered from § 1357(a)(1), questioning.
    assert agents_at_place("can ICE arrest me at my kid's school") == "school"
    assert agents_at_place("can ICE agents arrest someone at a hospital") == "health facility"
    assert agents_at_place("can ICE arrest me at the courthouse") is None  # § 43.54 decides it
    assert agents_at_place("can the school give ICE my kid's records") is None  # the school asked of
    assert agents_at_place("does a vaccine at a county clinic put my name in a database ICE can search") is None
    # Twentieth session: an agents' act told as a condition ("if ICE knocks …") and in Spanish order
    # ("¿pueden entrar los agentes de ICE …?"), and a door to open.
    assert agents_at_home("¿Tengo que abrir la puerta si ICE toca y no trae una orden firmada por un juez?")
    assert agents_at_home("do I have to open the door if immigration agents knock")
    assert agents_at_place("¿Pueden entrar los agentes de ICE a la escuela primaria de mi hija?") == "school"
    assert "agents" in parties_asked("If ICE stops me on the sidewalk do I have to tell them where I was born?")
    assert "agents" not in parties_asked("if ICE asks the DMV for my records will they tell me")  # obtaining


def test_a_key_asking_of_a_party_the_question_does_not_name_is_told_apart():
    store_key = "Can a store treat me differently because my ID is an AB 60 license?"
    assert asks_of_unnamed(store_key, parties_asked("can I get a REAL ID with an AB 60 license"))
    assert not asks_of_unnamed(store_key, parties_asked("can the shop refuse my AB 60 license"))
    assert not asks_of_unnamed(store_key, parties_asked("can a car dealer refuse my AB 60 license"))  # a business
    assert not asks_of_unnamed(store_key, parties_asked("can the bank refuse my AB 60 license"))  # "financial institution"
    # Marketers are businesses: a key on a dealer's ads answers "can the DMV sell my information to marketers".
    assert not asks_of_unnamed("Can a dealer or manufacturer use my DMV address to send me ads?",
                               parties_asked("can the DMV sell my information to marketers"))
    # A key asking of the police is no answer to what ICE's agents may do.
    police_key = "Can police arrest someone on an ICE civil warrant?"
    assert asks_of_unnamed(police_key, parties_asked("can ICE arrest me without a warrant"))
    assert not asks_of_unnamed(police_key, parties_asked("can the sheriff arrest me on an ICE warrant"))
    # A key that only mentions a job, asking of no one, asks of no party.
    assert not asks_of_unnamed("How long does my DMV address stay confidential after I leave my job as an officer?",
                               parties_asked("i got let go from the DA's office, how long is my address hidden"))


def test_an_employer_requesting_a_license_holds_it_against_its_holder():
    # "me pide licencia" reads "requests driver's license" through the glossary.
    assert license_held_against("mi patrón me pide licencia de manejar para un trabajo de limpieza")
    assert license_held_against("my employer requested my driver's license for a job that doesn't drive")


def test_a_board_of_supervisors_the_ninth_circuits_case_and_the_cjis_bulletin_are_of_the_subject():
    # Each was refused once rare words alone no longer answered (eighteenth session).
    assert "holders" in subject_groups("does the board of supervisors have to hold a forum")
    assert "named" in subject_groups("does the ninth circuit case still stand")
    assert "named" in subject_groups("what did the 2019 CJIS bulletin say")


def test_filming_someone_is_no_record_of_theirs():
    # "can I record the police" had been answered from Gov. Code § 7284.6(a)(1)(A) (nineteenth session).
    assert "records" not in subject_groups("can I record the police")
    assert "records" not in subject_groups("is it legal to record ICE agents")
    assert "records" in subject_groups("can the police record my immigration status")  # a record kept
    assert "records" in subject_groups("can ICE see my record")


def test_a_document_shares_nothing_and_those_who_seek_dmv_records_are_of_the_subject():
    # Nineteenth session: "can ICE get my address from a traffic ticket" was declined as "no law on
    # what a traffic ticket may share"; "can a private investigator find my address" as off the subject.
    assert outside_sharer("can ICE get my address from a traffic ticket") is None
    assert outside_sharer("can the post office give ICE my address") == "the post office"
    assert "holders" in subject_groups("can a private investigator find my address")
    assert on_subject("can a private investigator find my address")


@pytest.mark.parametrize("text, states", [
    # Twentieth session: every state, not only those the corpus or its questions had named, so
    # that "does Texas DPS share …" and "the Georgia DMV" are known as another state's law.
    ("does Texas DPS share driver license records with ICE", {"TX"}),
    ("the Georgia DMV", {"GA"}),
    ("en Carolina del Norte", {"NC"}),
    ("west virginia law", {"WV"}),  # not Virginia
    ("en Virginia Occidental", {"WV"}),
    ("in Washington D.C.", {"DC"}),  # the capital, not the state
    ("washington state law", {"WA"}),
    ("a new mexico license", {"NM"}),
    ("my mexican license", set()),
    ("in California", set()),  # home: its law answers
])
def test_states_named(text, states):
    from kb.jurisdictions import states_named

    assert states_named(text) == states


def test_california_is_named_by_its_abbreviation_in_capitals_only():
    # "would be a violent felony in CA" asks of California's law too: it is not declined as a
    # question only about Arizona (twentieth session).
    from kb.answer import states_named_home

    assert states_named_home("would be a violent felony in CA")
    assert states_named_home("under Cal. Veh. Code") and states_named_home("in california")
    assert not states_named_home("¿la ca de mi casa?") and not states_named_home("cat")


@pytest.mark.parametrize("question, asks", [
    # Twentieth session: a person's own immigration case is no question of the corpus's law
    # ("how do I apply for a U visa" had led with Gov. Code § 7284.6(b)(4), whose words are on U
    # visa certifications; "can ICE deport me if I have a pending asylum case" with § 12801.9(c)(5)).
    ("how do I apply for a U visa", True),
    ("can ICE deport me if I have a pending asylum case", True),
    ("My dad has an ICE check-in next week, should he bring a lawyer with him?", True),
    ("¿cómo pido asilo si ya llevo más de un año aquí?", True),
    ("Can I switch from an F-1 student visa to an H-1B work visa?", True),
    # ... but not when it asks about records, the DMV or the police, or a law the corpus holds.
    ("can I use my asylum application to get a license", False),
    ("can police ask about my immigration status to sign a U visa certification", False),
    ("does the DMV share my green card number with ICE", False),
    ("does AB 60 help me with DACA", False),
    ("what does eligible for release from custody mean, does posting bond count", False),  # bail
])
def test_a_persons_own_immigration_case(question, asks):
    from kb.subject import asks_own_case

    assert (asks_own_case(question) == "immigration") == asks


@pytest.mark.parametrize("question, asks", [
    # Twentieth session: custody and divorce are no law of the corpus's ("If I get deported who gets
    # custody of my US citizen children?" was answered, as the closest, with Veh. Code § 1808.48).
    ("If I get deported who gets custody of my US citizen children?", True),
    ("My ex is threatening to call ICE on me during our custody case, will the judge care?", True),
    ("can the child support office get my address from the DMV", False),  # records and the DMV
    ("the jail has him in custody, can they hold him for ICE", False),  # police custody
])
def test_a_persons_own_family_case(question, asks):
    from kb.subject import asks_own_case

    assert (asks_own_case(question) == "family") == asks


def test_plates_scanned_and_reader_cameras_name_the_plate_reader_law():
    # Twentieth session: "Can a private company that scans license plates sell that data?" left the
    # ALPR law out (it answers only questions naming plate readers) and led with Veh. Code § 13005.5.
    from kb.subject import records_named

    assert "plate readers" in records_named("Can a private company that scans license plates sell that data?")
    assert "plate readers" in records_named("¿comparten las cámaras lectoras mis datos?")
    assert "plate readers" not in records_named("can the DMV give out my license plate number")


@pytest.mark.parametrize("question, filming", [
    # Twentieth session: "is it legal to record ICE agents" was answered with Gov. Code
    # § 7284.6(a)(3), on using immigration authorities as interpreters.
    ("is it legal to record ICE agents", True),
    ("Is it legal to record ICE agents with my phone while they're arresting someone on the street?", True),
    ("can I film the police during a traffic stop", True),
    ("can the police record me and send the video to ICE", False),  # no agent filmed: what is sent
    ("can I record the police and does the DMV keep my records", False),  # records asked about too
])
def test_filming_the_police_or_agents_asks_nothing_of_records(question, filming):
    from kb.subject import asks_filming

    assert asks_filming(question) == filming


def test_an_abuser_or_an_ex_seeking_an_address_is_of_the_subject():
    # Twentieth session: "how do I protect my address if I am a domestic violence victim and my
    # abuser is looking for me" was declined at cosine 0.53 (only "address" was of the subject);
    # Veh. Code § 1808.21(d) and Safe at Home answer it.
    assert on_subject("how do I protect my address if I am a domestic violence victim and my abuser is looking for me")
    assert on_subject("¿Cómo protejo mi dirección si mi agresor me está buscando?")
    assert not on_subject("my abuser keeps calling me")  # no record asked about
