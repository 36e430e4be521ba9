from kb.glossary import expand_query, translate_query


def test_spanish_and_shorthand_terms_are_appended_for_lexical_search():
    # "ver" reads as "see", whose statutory word ("access") follows the words typed.
    assert expand_query("¿puede ICE ver mi dirección del DMV?") == (
        "¿puede ICE ver mi dirección del DMV? (can; ICE immigration enforcement; address; access)")
    assert expand_query("my licence adress") == "my licence adress (license; address)"


def test_a_term_already_present_is_not_repeated():
    assert expand_query("license licence") == "license licence"


def test_translation_replaces_words_for_the_english_encoder():
    assert translate_query("¿necesito número de seguro social para sacar la licencia AB 60?") == (
        "need social security number to obtain the license AB 60?")


def test_voting_is_translated():
    # "¿la licencia AB 60 sirve para votar?" had kept "votar" and led with § 12801.9(g)(1) (a
    # business may not discriminate) instead of the card's notice that it is no proof for voting.
    assert translate_query("¿la licencia AB 60 sirve para votar?") == "the license AB 60 can be used to vote?"


def test_the_safe_at_home_program_is_not_a_residence_address():
    # "can ICE see my safe at home address" read "safe at residence address", lost the program's
    # name and was declined as "no law on what home address may share".
    assert translate_query("can ICE see my safe at home address").endswith("my Safe at Home address")
    assert translate_query("can ICE get my home address").endswith("my residence address")


def test_english_questions_are_untouched_by_translation():
    question = "can a landlord get my address from the DMV in LA"
    assert translate_query(question) == question
    assert expand_query(question) == question + " (obtain disclose)"  # "get": see below


def test_whole_words_only():
    assert expand_query("informational") == "informational"


def test_ice_is_read_as_immigration_enforcement_the_statutes_term():
    assert translate_query("can ICE get my info") == "can ICE immigration enforcement get my information"
    assert "immigration enforcement" in expand_query("will the dmv tell ice")


def test_words_of_access_reach_bm25_in_the_statutes_terms_but_leave_the_embedding_alone():
    assert expand_query("can ICE get my papers") == (
        "can ICE get my papers (ICE immigration enforcement; obtain disclose; documents)")
    assert translate_query("will the DMV share my address") == "will the DMV share my address"


def test_everyday_phrasings_reach_the_statutes_terms():
    from kb.glossary import plain_terms

    assert "home address" in expand_query("can the sheriff tell immigration agents where I live?")
    assert "criminal history" in expand_query("can police tell ICE about someone's criminal record")
    assert "transfer custody" in expand_query("can the county jail hand someone over to ICE")
    assert plain_terms("can the sheriff tell immigration agents where I live?") == (
        "can the sheriff tell immigration authorities the home address?")
    assert plain_terms("can the county jail hand someone over to ICE") == "can the county jail transfer someone to ICE"


def test_immigration_as_the_agency_told_reads_as_ice_but_not_immigration_matters():
    from kb.glossary import plain_terms

    assert plain_terms("can the DMV tell immigration where I live") == (
        "can the DMV tell ICE immigration enforcement the home address")
    assert plain_terms("will the DMV report me to immigration") == (
        "will the DMV report me to ICE immigration enforcement")
    assert plain_terms("can the DMV share my info with immigration") == (
        "can the DMV share my info with ICE immigration enforcement")
    for untouched in ("can my immigration lawyer get my DMV file", "does it ask about immigration status",
                      "can police help with immigration", "will it hurt my case in immigration court"):
        assert plain_terms(untouched) == untouched


def test_a_court_date_reads_as_attending_a_court_proceeding_in_a_courthouse():
    # Civ. Code § 43.54(a): no civil arrest of a person attending a court proceeding. Before, "can
    # ICE come to my court date" ranked § 43.54(a) 28th and led with Gov. Code § 7282.5(b).
    assert "courthouse court proceeding" in expand_query("can ICE come to my court date")
    assert "courthouse court proceeding" in expand_query("is it safe to go to court if im undocumented")
    assert "courthouse" not in expand_query("can I take the DMV to court")
    # At court is at the courthouse (eighteenth session: "can ICE arrest me at court" had led with
    # 8 U.S.C. § 1357(a)(1), interrogation); a challenge in court is not.
    assert "courthouse" in expand_query("can ICE arrest me at court")
    assert "courthouse" in expand_query("ICE agents were waiting outside the court")
    assert "courthouse" not in expand_query("was the Values Act challenged in court")


def test_being_asked_for_ones_green_card_or_papers_reads_as_an_inquiry_into_status():
    from kb.glossary import plain_terms

    # Gov. Code § 7284.6(a)(1)(A); before, a green card read only as a paper given to the DMV
    # (Veh. Code § 12801.9(j)).
    assert plain_terms("the cops asked all the workers for their green cards") == (
        "the cops inquiring into their immigration status")
    assert "inquiring into immigration status" in expand_query("an officer asked me for my papers")
    assert "inquiring" not in expand_query("is the green card copy I gave the DMV protected")


def test_a_federal_or_state_body_named_by_its_initials_reads_as_a_government_agency():
    from kb.glossary import plain_terms

    # 18 U.S.C. § 2721(b)(1) and Civ. Code § 1798.24(e) speak of a "government agency", never the IRS.
    assert "government agency" in expand_query("can the DMV share my info with the IRS")
    assert plain_terms("can the DMV send my record to the FBI") == (
        "can the DMV send my record to a government agency (the FBI)")
    assert plain_terms("the firs and the fbiz") == "the firs and the fbiz"  # whole words only


def test_translating_and_being_here_legally_reach_the_statutes_terms():
    from kb.glossary import plain_terms

    # Gov. Code § 7284.6(a)(3) bars using immigration authorities as "interpreters"; (a)(1)(A)
    # bars "inquiring into an individual's immigration status".
    assert "interpreter" in expand_query("the police brought an ICE agent to translate for me")
    assert plain_terms("an agent to translate for me") == "an agent to interpret for me"
    assert "immigration status" in expand_query("the jail asked if he is here legally")
    assert "immigration status" not in expand_query("is it legal for the jail to do that")
    # "asked if I'm legal": the person's status, for BM25 and, reworded, for the embedding.
    assert "immigration status" in expand_query("cops pulled me over and asked if im legal")
    assert plain_terms("they asked if im legal, can they") == "they asked about my immigration status, can they"
    assert plain_terms("is he legal to drive") == "is he legal to drive"
    # Asked where a person is from: their origin, read as their status (the same inquiry).
    assert "immigration status" in expand_query("cop pulled me over and asked where im from, is that allowed")
    assert "immigration status" in expand_query("the deputy asked what country my husband is from")
    assert "immigration status" not in expand_query("where is the DMV office i came from")
    # The jail or the police calling ICE about someone: the Values Act's notification of a release date.
    assert "notification request release date" in expand_query("if i get arrested for DUI will the jail call ICE")
    assert "notification request release date" in expand_query("will the sheriff tell ICE when my son gets out")
    assert "notification request release date" not in expand_query("can the sheriff tell immigration agents where I live")
    assert "notification request release date" not in expand_query("my landlord says he'll call ICE on us")
    # A paper given to the DMV: the applicant's documents, which §§ 12800.7(b) and 12801.9(j) keep
    # from the public; asked whether the DMV takes it, the list of documents it accepts answers.
    docs = "documents applicant provided to prove identity residency not public record"
    assert docs in expand_query("can the DMV give my passport copy to the police")
    assert docs in expand_query("le di al DMV mi acta de nacimiento, ¿eso queda como registro público?")
    assert docs not in expand_query("my consular ID expired last month. will DMV still take it")
    assert docs not in expand_query("can the DMV give my address to the police")


def test_spanish_words_for_being_detained_and_a_file_are_translated():
    assert translate_query("estaba detenido") == "estaba detained"
    assert translate_query("¿puedo preguntarle al DMV si tienen un archivo sobre mí?") == (
        "can I ask the DMV if they have a record about me?")


def test_spanish_words_for_a_traffic_stop_and_what_a_card_is_good_for_are_translated():
    # Before: "parada de tráfico" stayed Spanish and the question was refused (0.297 < 0.615).
    assert translate_query("¿me pueden pedir mis papeles en una parada de tráfico?") == (
        "me can request my documents in a traffic stop?")
    assert translate_query("¿la licencia AB 60 sirve para volar?") == "the license AB 60 can be used to fly?"


def test_being_told_reads_as_the_statutes_notify_but_a_request_to_kb_does_not():
    from kb.glossary import plain_terms

    assert plain_terms("will the DMV tell me if ICE looks me up") == "will the DMV notify me if ICE looks me up"
    assert plain_terms("does the jail let them know when he gets out") == "does the jail notify them when he gets out"
    assert "notify" in expand_query("will the DMV tell me if ICE looks me up")
    # "you" as people say "one": does the DMV let you know.
    assert plain_terms("does the DMV let you know when police ask") == "does the DMV notify you when police ask"
    assert plain_terms("can you tell me if ICE can get my address") == "can you tell me if ICE can get my address"


def test_asking_for_ones_own_file_reads_as_the_ipas_individual_inspecting_a_record():
    # Civ. Code §§ 1798.32 and 1798.34: an "individual" may "inspect" a "record" about them.
    assert "individual inspect own record" in expand_query("can I look at my own DMV file")
    assert "individual inspect own record" in expand_query("I asked for my records and they said no")
    assert "individual inspect own record" in expand_query("does the DMV have a file on me")
    assert "individual inspect own record" in expand_query("how do I get a copy of my DMV records")
    assert "individual inspect own record" in expand_query("I asked the DMV for my records last month")
    assert "individual inspect own record" in expand_query("they say they can't find my record by name")
    # Someone else's record is a requester's question, not the IPA's individual.
    assert "individual inspect own record" not in expand_query("can my landlord see my DMV file")


def test_spanish_verbs_of_getting_and_using_records_are_translated():
    assert translate_query("la migra sacaron mi domicilio") == "the immigration enforcement ICE obtained my residence address"
    assert "facial recognition" in translate_query("usar la foto para reconocimiento facial")


def test_spanish_names_for_who_holds_or_seeks_records_reach_the_corpus_terms():
    assert "collection agency" in translate_query("una agencia de cobranza puede pedir mi foto al DMV")
    assert "collection agency" in expand_query("una agencia de cobranza puede pedir mi foto al DMV")
    assert "insurance company" in translate_query("la aseguranza")
    assert translate_query("mi jefe y el casero") == "my employer boss and the landlord"
    # Vehicle Code § 12801.9(c)(4)(B): the Mexican INE/IFE voter card is a "foreign federal
    # electoral photo card".
    assert "foreign federal electoral photo card" in translate_query("¿sirve la credencial para votar?")
    assert "foreign federal electoral photo card" in expand_query("credencial del INE")
    # "ID" alone is the card in Spanish: "ID de California" is the state's identification card.
    assert "California ID card" in translate_query("tengo ID de california")


def test_spanish_words_for_crimes_custody_and_suppression_reach_the_statutes_terms():
    assert translate_query("lo condenaron por un delito grave") == "it convicted for a felony"
    assert "misdemeanor" in translate_query("un delito menor")
    assert "driving without a license" in translate_query("me arrestaron por manejar sin licencia")
    assert "when released" in translate_query("la cárcel puede avisar a ICE cuando salga")
    assert "suppressed" in expand_query("el DMV suprimió mi record")
    assert "criminal history" in translate_query("si tiene antecedentes penales")
    assert "judicial warrant" in translate_query("sin una orden de un juez")


def test_everyday_spanish_words_of_personal_details_proofs_and_schools_are_translated():
    assert translate_query("¿necesito un papel que muestre mi nombre y fecha de nacimiento?") == (
        "need a document that shows my name and date of birth?")
    assert "researchers" in translate_query("¿el DMV le da mis datos a investigadores de la universidad?")
    assert "without a warrant" in translate_query("¿me pueden arrestar sin orden?")
    assert "proof of residence" in translate_query("¿sirve el comprobante de domicilio?")


def test_cdcr_reads_as_the_department_the_values_act_excludes():
    # Gov. Code § 7284.4(a): "California law enforcement agency" excludes the Department of
    # Corrections and Rehabilitation, which people call CDCR.
    assert "Department of Corrections and Rehabilitation" in translate_query("does SB 54 stop CDCR from calling ICE")


def test_spanish_is_read_typed_with_or_without_accents():
    assert translate_query("detencion") == translate_query("detención") == "detention"
    assert "suppressed" in translate_query("suprimio")
    # An accent-free spelling that is an English word keeps its English meaning.
    assert translate_query("a patron of the store") == "a patron of the store"


def test_spanish_grammar_words_are_read_in_one_pass_longest_first():
    # "tiene que" is "must", not "has that"; the glossary's English ("a license") is not read
    # again as Spanish ("a" -> "to"); the doubled "le" is dropped.
    assert translate_query("¿el DMV la tiene que aceptar?") == "the DMV the must accept?"
    assert translate_query("¿puedo manejar sin licencia?") == "can I driving without a license?"
    assert translate_query("una agencia le puede pedir mi foto") == "a agency can request my photograph"
    assert translate_query("cuándo entró en vigor la ley") == "when took effect the law"
    # "pasa" is "happens", but passing something on in "le pasa a ICE los datos".
    assert translate_query("¿qué pasa si la policía me para?").startswith("what happens if")
    assert "passes to ICE" in translate_query("¿el consulado le pasa a ICE mis datos?")
    # Drunk driving, and how long ago; "qué hace" is still not "ago".
    assert translate_query("lo condenaron por manejar borracho hace dos años") == (
        "it convicted for driving under the influence DUI two years ago")
    assert "ago" not in translate_query("¿qué hace la policía si me para?")


def test_english_questions_naming_spanish_places_are_not_read_as_spanish():
    from kb.glossary import reads_as_spanish

    for question in ("can LA County jail hold someone from El Salvador for ICE",
                     "do Los Angeles police share addresses with ICE",
                     "is a patron's address in Las Vegas confidential"):
        assert not reads_as_spanish(question)
        assert translate_query(question) == question.replace("ICE", "ICE immigration enforcement")
    assert reads_as_spanish("tengo que ir a la corte")


def test_a_spanish_questions_everyday_phrasing_reaches_bm25_through_its_english_form():
    # "si tienen un archivo sobre mí": the IPA's individual asking about their own record
    # (Civ. Code § 1798.32), as "does the DMV have a file on me" is read in English.
    assert "individual inspect own record" in expand_query("¿el DMV tiene un archivo sobre mí?")
    assert "individual inspect own record" not in expand_query("¿el DMV tiene un archivo sobre mi hermano?")


def test_a_spanish_question_reaches_bm25_in_english_too():
    # "¿me pueden deportar por manejar sin licencia?" matched a Spanish key of Veh. Code
    # § 12801.9(g)(2)(A) ("mi jefe me pide licencia de manejar …") on its Spanish words alone and
    # led with the employer rule; with its English form the unlicensed-driving rule, (e), leads.
    from kb.query import parse_query

    spanish = parse_query("¿me pueden deportar por manejar sin licencia?")
    assert spanish.lexical.startswith("¿me pueden deportar por manejar sin licencia?")
    assert "deport for driving without a license" in spanish.lexical
    english = "can they deport me for driving without a license?"
    assert parse_query(english).lexical == expand_query(english)  # an English question as before


def test_spanish_questions_are_on_the_corpus_subject():
    from kb.subject import on_subject

    # Each of these was off the subject by its words before the glossary named its holder or
    # record in English (an insurer, a landlord, a store, a court; a driving or criminal record).
    assert on_subject("¿la aseguranza puede ver mi récord de manejo?")
    assert on_subject("¿el casero puede pedir mi número de seguro social?")
    assert on_subject("¿la tienda puede vender mis datos personales?")
    assert on_subject("¿la corte puede ver mi récord criminal?")
    assert not on_subject("¿cómo saco una cita en el consulado?")


def test_glossary_keys_are_lower_case_words_spaces_and_hyphens():
    # kb/glossary.py's _Words finds a phrase by its first word and its word count (words split
    # at spaces and hyphens), and compares what is typed in lower case.
    import re

    from kb.glossary import ACCESS_WORDS, GLOSSARY, SPANISH_WORDS

    for table in (GLOSSARY, SPANISH_WORDS, ACCESS_WORDS):
        for key in table:
            assert key == key.lower() and re.fullmatch(r"\w+(?:[ -]\w+)*", key), key


def test_a_phrase_is_found_only_as_typed_between_its_words():
    assert expand_query("opt-out") == "opt-out (opt-out consent)"
    assert expand_query("Opt Out") == "Opt Out (opt-out consent)"
    assert translate_query("licencia de  manejo") == "license de  manejo"  # two spaces: not the phrase
    assert translate_query("LICENCIA DE MANEJO") == "driver's license"


def test_plate_reader_cameras_read_as_the_civil_codes_automated_license_plate_recognition():
    from kb.glossary import plain_terms

    alpr = "automated license plate recognition"
    assert alpr in expand_query("our city has Flock cameras, can ICE search them")
    assert alpr in expand_query("does the sheriff give plate reader data to immigration")
    assert alpr in plain_terms("can the police share license plate scans with ICE")
    assert alpr in plain_terms("is there an LPR database")
    # A plate run through the DMV's records is not a plate-reader camera.
    assert alpr not in expand_query("a deputy ran my plate and passed my address to ICE")
    assert alpr not in plain_terms("can ICE find me through my license plate")


def test_spanish_words_for_an_interview_a_document_handed_in_and_a_person_handed_over_are_translated():
    # Twentieth session: "¿lo pueden entregar a inmigración cuando salga?" read as "can give to
    # immigration" and led with an exception of Gov. Code § 7282.5, not the transfer limit;
    # "que ICE la entreviste en la cárcel" kept "entreviste" and missed the TRUTH Act's consent form.
    assert "can they hand him over to immigration" in translate_query("¿lo pueden entregar a inmigración cuando salga?")
    assert "interview in the jail" in translate_query("¿tiene que firmar algo para que ICE la entreviste en la cárcel?")
    assert "the documents that submitted" in translate_query("¿Qué pasa con los documentos que entregué?")


def test_spanish_for_a_release_day_a_state_prison_and_a_courthouse_is_translated():
    # Twentieth session: "¿lo pueden entregar a inmigración cuando termine su condena?" of a man in
    # "una prisión estatal" led with Gov. Code § 7282.5(a)(2), not § 7284.10 (the state prisons);
    # "¿me puede arrestar inmigración dentro o afuera del tribunal?" missed Civ. Code § 43.54.
    assert "the day he is released" in translate_query("¿el sheriff le puede avisar a ICE el día que sale?")
    assert "a state prison" in translate_query("mi esposo está en una prisión estatal")
    assert "when finishes his sentence" in translate_query("cuando termine su condena")
    assert "inside or outside of the courthouse" in translate_query("dentro o afuera del tribunal")


def test_spanish_for_a_penalty_an_employee_drivers_a_religion_and_a_list_is_translated():
    # Twentieth session: "¿Qué castigo hay si un empleado del DMV vende información de los
    # conductores?" was answered as the closest with Veh. Code § 1811 (now § 1808.45, the
    # misdemeanor); "… datos sobre mi religión para una lista del gobierno federal" with Civ. Code
    # § 1798.24 (now Gov. Code § 8310.3(b)(1)).
    assert translate_query("¿Qué castigo hay si un empleado del DMV vende información de los conductores?") == (
        "what penalty punishment there is if a employee of the DMV sells information of the drivers?")
    assert "my religion to a list registry" in translate_query("datos sobre mi religión para una lista")
    assert "license plate reader cameras" in translate_query("las fotos que toman las cámaras lectoras")
