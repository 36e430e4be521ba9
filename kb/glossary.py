"""Query normalisation: the words advocates type that the corpus spells another way.

The default model and the BM25 stemmer are English-only, and the corpus is written in English
legal terms. A question in Spanish or with British spellings and shorthand ("licencia AB 60",
"adress", "SSN", "info") shares few words with it. Each glossary entry appends the corpus's term
to the query for lexical search (the original words stay) and replaces the word for dense search. Entries are common
Spanish words and shorthand in advocates' questions, mapped to the corpus's own vocabulary.
"""

from __future__ import annotations

import functools
import re


# word or phrase as typed (lower case, accents as typed or not) -> the corpus's words
GLOSSARY: dict[str, str] = {
    # Spanish
    "licencia": "license", "licencias": "licenses", "licencia de manejo": "driver's license",
    "licencia de conducir": "driver's license", "identificación": "identification card",
    "identificacion": "identification card", "dirección": "address", "direccion": "address",
    "domicilio": "residence address", "documentos": "documents", "papeles": "documents",
    "pasaporte": "passport", "acta de nacimiento": "birth certificate", "seguro social": "social security",
    "número de seguro social": "social security number", "numero de seguro social": "social security number",
    "policía": "police law enforcement", "policia": "police law enforcement", "migra": "immigration enforcement ICE",
    "inmigración": "immigration", "inmigracion": "immigration", "migración": "immigration",
    "migracion": "immigration", "estatus migratorio": "immigration status",
    "indocumentado": "undocumented", "indocumentados": "undocumented", "foto": "photograph",
    "fotografía": "photograph", "fotografia": "photograph", "compartir": "share disclose",
    "comparte": "share disclose", "comparten": "share disclose", "datos": "information data",
    "información": "information", "informacion": "information", "dueño": "landlord owner",
    "apartamento": "housing", "rentar": "housing rent", "trabajo": "employment", "patrón": "employer",
    "discriminación": "discrimination", "discriminacion": "discrimination", "cárcel": "jail", "cuando salgo": "when I am released", "salgo": "am released",
    "carcel": "jail", "orden judicial": "court order warrant", "citatorio": "subpoena",
    "leyes": "law", "ley": "law", "puede": "can", "pueden": "can", "necesito": "need", "sacar": "obtain",
    "privacidad": "privacy", "protección": "protection", "proteccion": "protection",
    "detenido": "detained", "detenida": "detained", "detenidos": "detained", "arrestado": "arrested",
    "arrestada": "arrested", "archivo": "record", "archivos": "records", "expediente": "record",
    "traductor": "interpreter", "intérprete": "interpreter", "interprete": "interpreter",
    "preguntar": "ask", "preguntarle": "ask", "preguntarle al": "ask the", "puedo": "can I", "tienen": "they have", "sobre": "about",
    "reconocimiento facial": "facial recognition", "sacaron": "obtained", "sacan": "obtain",
    "saca": "obtains", "entregar": "give", "entrega": "gives", "entregan": "give", "entregó": "gave",
    "entregaron": "gave", "usar": "use", "usan": "use", "usaron": "used", "multa": "fine", "demandar": "sue",
    "avisar": "notify", "avisan": "notify", "aviso": "notice",
    # Spanish (Mexican and Central American usage) for the corpus's concepts, written from its
    # contexts, headings and subdivision texts. Only words that are not also English words: this
    # table applies to every question. Unaccented spellings are added below (_plain_spellings).
    # Who holds or seeks records: businesses, insurers, collectors, employers, landlords, offices.
    "negocio": "business", "negocios": "businesses", "establecimiento": "establishment",
    "empresa": "company business", "empresas": "companies businesses", "compañía": "company",
    "compañías": "companies", "tienda": "store business", "tiendas": "stores businesses",
    "gimnasio": "gym business", "restaurante": "restaurant business", "farmacia": "pharmacy business",
    "banco": "bank financial institution", "bancos": "banks financial institutions",
    "cuenta de banco": "bank account", "cuenta bancaria": "bank account",
    "aseguranza": "insurance company", "aseguranzas": "insurance companies", "aseguradora": "insurance company",
    "aseguradoras": "insurance companies", "compañía de seguros": "insurance company",
    "seguro de carro": "car insurance", "seguro del carro": "car insurance", "seguro de auto": "car insurance",
    "agencia de cobranza": "collection agency", "agencias de cobranza": "collection agencies",
    "agencia de cobros": "collection agency", "cobranza": "debt collection", "cobranzas": "debt collection",
    "cobrador": "debt collector", "cobradores": "debt collectors", "deuda": "debt", "deudas": "debts",
    "agencia": "agency", "agencias": "agencies", "gobierno": "government", "gobierno federal": "federal government",
    "condado": "county", "ciudad": "city", "oficina": "office", "oficinas": "offices",
    "empleador": "employer", "empleadores": "employers", "patrona": "employer", "patrones": "employers",
    "jefe": "employer boss", "jefa": "employer boss", "jefes": "employers bosses", "empleo": "employment",
    "chamba": "employment job", "jale": "employment job", "trabajar": "work", "trabajador": "worker",
    "trabajadores": "workers", "contratar": "hire", "contrataron": "hired", "me corrieron": "fired me",
    "despedir": "fire", "despidieron": "fired",
    "casero": "landlord", "casera": "landlord", "arrendador": "landlord", "dueño de la casa": "landlord",
    "renta": "rent housing", "alquilar": "housing rent", "alquiler": "housing rent", "vivienda": "housing",
    "programa": "program", "programas": "programs", "clínica": "clinic health facility",
    "clínicas": "clinics health facilities", "hospitales": "hospitals", "escuela": "school", "escuelas": "schools",
    "consulado": "consulate", "consulado mexicano": "Mexican consulate", "mexicano": "Mexican",
    "mexicana": "Mexican", "abogado": "attorney lawyer", "abogada": "attorney lawyer",
    "abogados": "attorneys lawyers", "honorarios de abogado": "attorney's fees",
    "departamento de vehículos motorizados": "Department of Motor Vehicles",
    # Courts, judges, warrants, subpoenas.
    "corte": "court", "cortes": "courts", "juzgado": "court", "juez": "judge", "jueza": "judge",
    "jueces": "judges", "orden de la corte": "court order", "orden de un juez": "judicial warrant court order",
    "orden firmada por un juez": "judicial warrant signed by a judge", "orden de arresto": "arrest warrant",
    "orden de aprehensión": "arrest warrant", "orden de cateo": "search warrant",
    "citación": "subpoena", "citaciones": "subpoenas", "administrativo": "administrative",
    "administrativa": "administrative",
    # Police, jails, holds, detention, release, deportation.
    "policías": "police law enforcement", "alguacil": "sheriff", "oficina del sheriff": "sheriff's department",
    "departamento de policía": "police department", "oficial de policía": "police officer",
    "agente": "agent", "agentes": "agents", "agentes de inmigración": "immigration authorities",
    "oficiales de inmigración": "immigration authorities", "agentes de ice": "immigration authorities",
    "prisión": "prison", "cárcel del condado": "county jail", "bote": "jail",
    "detención": "detention", "centro de detención": "detention center", "detener": "detain",
    "detienen": "detain", "detuvieron": "detained", "detuvo": "detained",
    "arrestar": "arrest", "arrestan": "arrest", "arrestaron": "arrested", "arresto": "arrest",
    "liberar": "release", "liberaron": "released", "soltar": "release", "soltaron": "released",
    "suelta": "releases", "sueltan": "release", "suelten": "release",
    "cuando salga": "when released", "salir de la cárcel": "release from jail",
    "retención": "hold", "orden de retención": "hold request detainer", "solicitud de retención": "hold request",
    "transferir": "transfer", "transfieren": "transfer", "transfirieron": "transferred", "transferencia": "transfer",
    "deportar": "deport", "deportan": "deport", "deporten": "deport", "deportaron": "deported",
    "deportado": "deported", "deportada": "deported", "deportación": "deportation",
    # Immigration status. "sin papeles" stays "without papers" (the subject check's words), not
    # "undocumented": a key "¿puedo sacar licencia de manejar en California sin papeles?" read as
    # "... undocumented?" came within 0.747 of "can I drive in Mexico with my California license"
    # (0.602 as "without papers"), over the 0.72 at which a key alone answers an off-subject question.
    "inmigrante": "immigrant", "inmigrantes": "immigrants", "sin papeles": "without papers",
    "estatus": "status", "estatus legal": "immigration status", "situación migratoria": "immigration status",
    "estado migratorio": "immigration status", "ciudadano": "citizen", "ciudadana": "citizen",
    "ciudadanos": "citizens", "ciudadanía": "citizenship", "residente": "resident",
    "residencia": "residence residency", "residencia legal": "lawful permanent residence",
    "tarjeta verde": "green card", "presencia legal": "lawful presence", "asilo": "asylum",
    "permiso de trabajo": "work authorization", "santuario": "sanctuary California Values Act SB 54",
    "estado santuario": "sanctuary state California Values Act SB 54",
    "ley santuario": "sanctuary law California Values Act SB 54",
    # (Not family words, "hermano", "hijos": the corpus has no concept for them, and "a mi
    # hermano lo condenaron ..." read as "brother" lost its lead, Gov. Code § 7282.5(a)(3)(AE).)
    "gente": "people", "personas": "people",
    # Records, files, photos, fingerprints, addresses, numbers, identity documents.
    "registro": "record", "registros": "records", "historial": "record history",
    "historial criminal": "criminal history", "antecedentes penales": "criminal history",
    "antecedentes criminales": "criminal history", "antecedentes": "criminal history record",
    "récord": "record", "récord criminal": "criminal history", "récord de manejo": "driving record",
    "base de datos": "database", "bases de datos": "databases", "fotos": "photographs",
    "huellas": "fingerprints", "huellas digitales": "fingerprints", "huellas dactilares": "fingerprints",
    "dirección de mi casa": "my home address", "dirección de la casa": "home address",
    "dirección de casa": "home address", "dirección postal": "mailing address",
    "dirección del trabajo": "work address", "dónde vivo": "home address", "dónde vive": "home address",
    "dónde vivimos": "home address", "dónde viven": "home address", "dónde trabajo": "work address employer",
    "placas": "license plates", "lectores de placas": "license plate readers",
    "reconocimiento de cara": "facial recognition", "cámaras": "cameras",
    "número de itin": "ITIN taxpayer identification number",
    "identificación consular": "consular identification", "credencial": "card",
    "credencial de elector": "foreign federal electoral photo card voter ID",
    "credencial para votar": "foreign federal electoral photo card voter ID",
    "credencial del ine": "foreign federal electoral photo card voter ID INE",
    "credencial del ife": "foreign federal electoral photo card voter ID IFE",
    "ine": "INE foreign federal electoral photo card voter ID",
    "ife": "IFE foreign federal electoral photo card voter ID",
    "tarjeta de identificación": "identification card", "tarjeta de identidad": "identification card",
    "identificación de california": "California identification card",
    # "ID" said alone in Spanish is the card ("mi ID de California", "la ID del estado").
    "id de california": "California ID card", "id del estado": "state ID card",
    "licencias de manejo": "driver's licenses", "licencia de manejar": "driver's license",
    "licencia para manejar": "driver's license", "datos personales": "personal information",
    "información personal": "personal information", "prueba": "proof proves", "gerente": "manager", "licencia de mi país": "foreign driver's license",
    "licencia extranjera": "foreign driver's license", "extranjero": "foreign", "extranjera": "foreign",
    "pasaportes": "passports", "actas de nacimiento": "birth certificates",
    "certificado de nacimiento": "birth certificate", "partida de nacimiento": "birth certificate",
    "acta de matrimonio": "marriage certificate", "licencia de matrimonio": "marriage license", "registro del condado": "county recorder", "acta de divorcio": "divorce certificate",
    "documento": "document", "documentos de identidad": "identity documents",
    "válida": "valid", "válido": "valid", "inválida": "invalid",
    # Keeping records private: confidential, public, suppressed, Safe at Home.
    "confidencial": "confidential", "confidenciales": "confidential", "confidencialidad": "confidentiality",
    "privado": "private", "privada": "private", "privados": "private", "privadas": "private",
    "público": "public", "pública": "public", "públicos": "public", "registro público": "public record",
    "registros públicos": "public records", "proteger": "protect", "protegido": "protected",
    "protegida": "protected", "protegen": "protect", "acosando": "stalking harassing", "suprimir": "suppress", "suprimió": "suppressed",
    "suprimieron": "suppressed", "suprimido": "suppressed", "suprimida": "suppressed", "supresión": "suppression",
    "bloquear": "block suppress", "ocultar": "keep confidential", "víctima": "victim", "víctimas": "victims",
    "violencia doméstica": "domestic violence", "acoso": "stalking harassment", "acosador": "stalker",
    "agresión sexual": "sexual assault", "trata de personas": "human trafficking",
    # What is done with records: sell, share, disclose, request, see, correct, consent, notice.
    "vender": "sell", "vende": "sells", "venden": "sell", "vendió": "sold", "vendieron": "sold",
    "venta": "sale", "ventas": "sales", "comprar": "buy", "compra": "buys", "compran": "buy",
    "compró": "bought", "compraron": "bought", "compartió": "shared disclosed", "compartieron": "shared disclosed",
    "comparta": "share disclose", "compartan": "share disclose", "compartido": "shared disclosed",
    "divulgar": "disclose", "divulgó": "disclosed", "revelar": "disclose", "reveló": "disclosed",
    "revelaron": "disclosed", "filtrar": "leak", "filtraron": "leaked",
    "pedir": "request", "pide": "requests", "piden": "request", "pidió": "requested", "pidieron": "requested",
    "solicitar": "request", "solicita": "requests", "solicitan": "request", "solicitó": "requested",
    "solicitud": "request application", "solicitudes": "requests applications",
    "pregunta": "asks", "preguntan": "ask", "preguntó": "asked", "preguntaron": "asked",
    "revisar": "check inspect", "revisan": "check inspect", "revisaron": "checked inspected",
    "inspeccionar": "inspect", "consultar": "look up", "consultan": "look up", "consultaron": "looked up",
    "checar": "check look up", "checan": "check look up", "checaron": "checked looked up",
    "buscar": "look up search", "buscan": "look up search", "buscaron": "looked up searched",
    "acceso": "access", "acceder": "access", "obtener": "obtain", "obtienen": "obtain",
    "obtuvo": "obtained", "obtuvieron": "obtained", "conseguir": "obtain", "consiguieron": "obtained",
    "copia": "copy", "copias": "copies", "corregir": "correct amend", "corrección": "correction amendment",
    "equivocado": "incorrect", "equivocada": "incorrect", "incorrecto": "incorrect", "incorrecta": "incorrect",
    "borrar": "delete", "eliminar": "delete remove", "consentimiento": "consent", "permiso": "permission consent",
    "sin mi permiso": "without my consent", "sin permiso": "without consent", "autorización": "authorization",
    "autorizar": "authorize", "firmar": "sign", "firmé": "signed", "formulario": "form",
    "reporta": "reports", "reportan": "report", "reportar": "report", "reportaron": "reported",
    "reportarme": "report me", "avisa": "notifies", "avisó": "notified", "avisaron": "notified", "avise": "notify", "avisarle": "notify",
    "notificar": "notify", "notifica": "notifies", "notifican": "notify", "notificaron": "notified",
    "notificación": "notice notification", "notificaciones": "notices notifications",
    "negar": "deny refuse", "niegan": "deny refuse", "negó": "denied refused", "ayudar": "help",
    "ayudan": "help", "ayudaron": "helped", "cooperar": "cooperate", "cooperan": "cooperate",
    "aceptar": "accept", "acepta": "accepts", "aceptan": "accept", "aceptaron": "accepted",
    "rechazar": "refuse reject", "rechazó": "refused rejected", "rechazaron": "refused rejected", "negaron": "denied refused",
    "discriminar": "discriminate", "discriminan": "discriminate", "discriminaron": "discriminated",
    # Lawsuits, penalties, crimes, convictions, driving.
    "demanda": "lawsuit civil action", "demandas": "lawsuits", "demandarlos": "sue them",
    "demandarlo": "sue", "poner una demanda": "sue file a lawsuit", "daños": "damages",
    "daños y perjuicios": "damages", "indemnización": "damages compensation", "compensación": "compensation damages",
    "multas": "fines", "sanción": "penalty", "sanciones": "penalties",
    "derecho": "right", "derechos": "rights", "crimen": "crime", "crímenes": "crimes", "delito": "crime offense",
    "delitos": "crimes offenses", "delito grave": "felony", "delitos graves": "felonies",
    "delito menor": "misdemeanor", "delitos menores": "misdemeanors", "felonía": "felony", "felonías": "felonies",
    "condena": "conviction", "condenas": "convictions", "condenado": "convicted", "condenada": "convicted",
    "condenaron": "convicted", "convicto": "convicted", "convicta": "convicted",
    "cargos": "charges", "acusado": "charged", "acusada": "charged",
    "huir": "flee", "huyó": "fled", "escena": "scene", "lugar del accidente": "scene of the accident",
    "accidente": "accident", "choque": "collision accident", "chocó": "collided",
    "manejar sin licencia": "driving without a license", "manejando sin licencia": "driving without a license",
    "conducir sin licencia": "driving without a license", "manejar": "drive", "manejando": "driving",
    "salud": "health", "seguridad": "safety security", "emergencia de salud": "health emergency",
    "conducir": "drive", "manejar borracho": "driving under the influence DUI",
    "manejando borracho": "driving under the influence DUI", "manejar tomado": "driving under the influence DUI",
    "borracho": "drunk under the influence", "borracha": "drunk under the influence",
    "ebrio": "drunk under the influence",
    "carro": "car vehicle", "vehículo": "vehicle", "vehículos": "vehicles",
    # When a law took effect.
    "entró en vigor": "took effect", "entra en vigor": "takes effect", "en vigor": "in effect",
    "vigente": "in effect", "aprobaron": "passed enacted", "aprobó": "passed enacted",
    # spelling variants and shorthand
    "papers": "documents", "photo": "photograph", "photos": "photographs", "pic": "photograph",
    "picture": "photograph", "sell": "sale", "home address": "residence address",
    # (the program's name, kept whole: "my safe at home address" is not a residence address)
    "safe at home address": "Safe at Home address",
    "licence": "license", "licences": "licenses", "lisence": "license", "liscense": "license",
    "lisense": "license", "licsense": "license", "lincense": "license", "adress": "address", "addres": "address",
    "info": "information", "bank": "financial institution", "banks": "financial institutions", "ssn": "social security number", "dl": "driver's license",
    "cdl": "commercial driver's license",
    "ab60": "AB 60", "sb54": "SB 54", "ab1766": "AB 1766", "ab1747": "AB 1747", "ab1660": "AB 1660",
    "dppa": "Driver's Privacy Protection Act",
    "cdcr": "CDCR Department of Corrections and Rehabilitation state prison",
    "clets": "CLETS California Law Enforcement Telecommunications System", "realid": "REAL ID", "opt out": "opt-out consent",
    "opt-out": "opt-out consent", "sanctuary": "California Values Act SB 54",
    "sanctuary state": "California Values Act SB 54",
    # Users say "ICE"; the statutes say "immigration enforcement" (Gov. Code § 7284.4(f)).
    "ice": "ICE immigration enforcement", "green light": "Green Light law New York",
}

# Words of access and sharing: users ask whether someone can "get" or "see" records, or whether
# the DMV will "give" or "share" them; the statutes say "obtain", "access" and "disclose". Added
# to the lexical query only: the embedding already reads these verbs as near-synonyms, and
# replacing them made dense answers worse on the tuning questions.
ACCESS_WORDS: dict[str, str] = {
    "get": "obtain disclose", "see": "access", "give": "disclose", "hand over": "disclose",
    "share": "disclose", "shares": "discloses", "sharing": "disclosure", "shared": "disclosed",
}

# Everyday phrasings of the statutes' terms: a client says "where I live", "cop", "criminal
# record" or "hand someone over to ICE"; the statutes say "home address", "peace officer",
# "criminal history" and "transfer". Appended to the lexical query only, like ACCESS_WORDS (the
# embedding already reads them as near-synonyms). Keys are patterns, so a pronoun may vary.
_WHO = r"(?:i|we|you|he|she|they|someone|somebody|people|my \w+|a person)"
# Federal and state bodies by their initials or names.
GOVERNMENT_BODIES = (r"irs|internal revenue service|fbi|federal bureau of investigation|dea|atf|"
                     r"social security administration|franchise tax board|ftb")
# "asked if I'm legal", "am I here legally": a person's immigration status, in a client's words
# (the statutes: "immigration status", Gov. Code § 7284.6(a)(1)(A)). Not "is it legal".
BEING_LEGAL = (r"(?:(?:i'?m|i am|am i|is (?:he|she)|are (?:you|they|we)|he'?s|she'?s|they'?re|we'?re|you'?re)"
               r" (?:here |in the (?:country|us|u\.s\.|united states) )?(?:il)?legal(?:ly)?(?! to\b)|"
               r"(?:il)?legally in the (?:country|us|u\.s\.|united states))")
# A person's origin asked about ("cop asked where im from", "what country are you from"): in this
# corpus's questions, an inquiry into immigration status (Gov. Code § 7284.6(a)(1)(A)).
ORIGIN = (r"(?:where|what country) (?:i'?m|im|i am|you'?re|you are|are you|he'?s|she'?s|he is|she is|is (?:he|she)|"
          r"they'?re|they are|are they|we'?re|we are|(?:my|his|her) \w+ (?:is|was)) (?:originally )?from|"
          r"country of (?:origin|birth)|place of birth|birthplace|"
          # "cop asked me where I was born"
          r"where (?:i|you|he|she|they|we|(?:my|his|her) \w+) (?:was|were) born")
PLATE_READERS = (r"a?lprs?|flock(?: safety)?(?: cameras?)?|(?:automated )?(?:license )?plate[- ]?(?:readers?|reader data|"
                 r"scans?|scanners?|scanning|cameras?|recognition)(?: (?:cameras?|data|systems?|database))?|"
                 # plates scanned ("a private company that scans license plates")
                 r"scan(?:s|ned|ning)? (?:\w+ )?(?:license )?plates|"
                 # Spanish: "lectores de placas", "cámaras que leen las placas", "cámaras lectoras"
                 r"lector(?:es|as)? de placas|c[aá]maras? (?:que leen (?:las )?|lectoras? de |de )placas|c[aá]maras? lectoras?")
# Asked to show proof of status ("asking all the kitchen workers for their green cards", "asked me
# for my papers"): an inquiry into immigration status (Gov. Code § 7284.6(a)(1)(A)), not a paper
# given to the DMV.
ASKED_FOR_PAPERS = (r"ask(?:s|ed|ing)? (?:\w+ ){0,4}?for (?:their|his|her|my|our|your|the|any) "
                    r"(?:green cards?|papers|immigration papers|visas?|work permits?)")
# "Immigration" as the agency a record goes to: after a verb of telling or giving, "to", or
# "share … with" (not "help with immigration", asked of immigration matters in general).
IMMIGRATION_AGENCY = (r"(tell\w*|told|call\w*|report\w* (?:\w+ )?to|to|(?:shar|work|cooperat)\w* (?:\w+ ){0,2}with|give\w*|gave|notif\w*|alert\w*|"
                      r"contact\w*) immigration(?! (?:status|lawyers?|attorneys?|courts?|cases?|judges?|laws?|"
                      r"hearings?|forms?|applications?|enforcement|authorities|agents?|officers?|officials?|papers|"
                      r"documents|detention|benefits?|history|records?|purposes?))")
EVERYDAY_WORDS: tuple[tuple[str, str], ...] = (
    (rf"where {_WHO} (?:live|lives|stay|stays|sleep|sleeps)", "home address residence"),
    (rf"where {_WHO} (?:work|works)", "work address employer"),
    (r"criminal records?|rap sheets?|record of arrests", "criminal history"),
    (r"police officers?|cops?|officers? of the law", "peace officer law enforcement"),
    (r"sheriffs?(?: department| deputies| deputy)?|police departments?", "law enforcement agency"),
    (r"jails?|lock-?up|prisons?", "custody"),
    # A federal or state body by its initials or name: what the statutes call a "government agency"
    # ("can the DMV share my info with the IRS": 18 U.S.C. § 2721(b)(1), Civ. Code § 1798.24(e)).
    (GOVERNMENT_BODIES, "government agency"),
    (r"(?:hand|turn|give)(?:s|ed|ing)? (?:me|him|her|them|us|someone|somebody|people|a person|inmates?|prisoners?) over",
     "transfer custody"),
    (r"(?:ice|immigration|federal|la migra) (?:agents?|officers?|officials?)", "immigration authorities"),
    (r"look(?:s|ed|ing)? (?:me |him |her |them |someone |it )?up|run(?:s)? (?:my |a |the )?(?:name|plates?)", "access obtain inquiry"),
    (r"sue|sued|suing|lawsuits?|take (?:them|it|him|her) to court", "civil action court case"),
    # "will the jail call ICE", "the sheriff tells immigration when people get out": the Values
    # Act's "notification" of a "release date" (Gov. Code §§ 7282.5(a), 7284.6(a)(1)(C)).
    (r"(?:jails?|sheriffs?|deput(?:y|ies)|police|cops?|probation(?: officers?)?)\s+(?:\w+\s+){0,3}?"
     r"(?:call|tell|notify|contact|alert|warn)(?:s|ed|ing)?\s+(?:the\s+)?(?:ice|immigration|la migra|migra)"
     r"(?!\s+(?:\w+\s+)?where\b)",  # "tell immigration agents where I live" asks for an address
     "notification request release date"),
    (r"challenged in court|court challenges?", "court case lawsuit"),
    # "can ICE come to my court date": attending a "court proceeding" in a "courthouse" (Civ. Code
    # § 43.54, no civil arrest there).
    (r"court dates?|court hearings?|(?:go|goes|going|went) to court|show up (?:to|in|at) court|"
     r"(?:at|outside|near) (?:the )?court\b(?! order)", "courthouse court proceeding"),
    (r"translat(?:e|es|ed|ing|ion|or|ors)", "interpreter interpret"),
    (r"(?<!can you )(?<!could you )(?:tell|let|warn)s? (?:me|you|him|her|them|us)(?: know)? (?:if|when|whether|who|before)",
     "notify notice"),
    (ASKED_FOR_PAPERS, "inquiring into immigration status"),
    (r"(?:here|in the (?:us|u\.s\.|country)) (?:legally|illegally)|"
     r"legal status|(?:has|have|had|got|get) (?:no )?papers|country of citizenship|" + BEING_LEGAL + "|" + ORIGIN,
     "immigration status"),
    # A paper an applicant gave the DMV ("my passport copy", "the birth certificate I brought"):
    # what §§ 12800.7(b) and 12801.9(j) call documents provided to prove identity or residency.
    (r"(?:passports?|birth certificates?|matr[ií]culas?(?: consular)?|consular (?:ids?|cards?)|green cards?|"
     r"leases?|utility bills?|(?:light|electric|water) bills?)(?: cop(?:y|ies))?"
     # ... not whether the DMV takes it ("my consular ID expired, will DMV still take it"): the list
     # of documents it accepts (§ 12801.9(c)) answers that.
     r"(?![^?.!]*\b(?:take|takes|accept\w*|valid|expired?)\b)",
     "documents applicant provided to prove identity residency not public record"),
    # Plate-reader cameras and their data, by the names people use ("Flock cameras", "plate
    # scans", "LPR"): the Civil Code's "automated license plate recognition" (ALPR, §§ 1798.90.5 ff.).
    (PLATE_READERS, "automated license plate recognition ALPR information"),
    (r"fined|fines?|penalt(?:y|ies)", "civil penalty"),
    # "can I get paid anything", "how much could I get": what the statutes call "damages".
    (r"get paid|be paid|paid anything|compensat\w*|how much (?:money )?(?:can|could|would|will) (?:i|we|you) "
     r"(?:get|win|recover)|money for (?:it|this|that)", "damages"),
    # "is that a crime", "can he go to jail for it": the statutes make it a "misdemeanor".
    (r"(?:is|was|it'?s|that'?s) (?:that |this |it )?(?:a )?crimes?|a crime(?=\s*[?.!]*\s*$)|criminal offen[cs]es?|(?:go|goes|sent) to jail for|"
     r"jail time|be prosecuted|press charges", "misdemeanor"),
    # A person asking for their own file: the IPA's "individual" who may "inspect" a "record"
    # about them (Civ. Code §§ 1798.32, 1798.34), not a requester of someone else's.
    (r"(?:i|me)(?:\s+\w+){0,6}?\s+(?:see|look at|check|read|get|copy|request|ask for|asked for|find|"
     r"(?:ask|asked|requested)(?: the)? (?:dmv|agency|department) for)\s+"
     r"(?:a copy of\s+|all\s+)?my (?:own\s+)?"
     r"(?:dmv\s+)?(?:files?|records?|info\w*|data)|(?:a|any) (?:file|record)s? (?:on|about) (?:me|myself)|"
     r"(?:can'?t|cannot|couldn'?t|could not) (?:find|locate) my (?:file|record)s?",
     "individual inspect own record"),
)
# The same phrasings, reworded for the dense encoder where the statute's term reads naturally in
# their place ("tell ICE where I live" -> "tell ICE the home address").
EVERYDAY_DENSE: tuple[tuple[str, str], ...] = (
    (rf"where {_WHO} (?:live|lives|stay|stays|sleep|sleeps)", "the home address"),
    (r"criminal records?|rap sheets?", "criminal history"),
    (r"(?:ice|immigration|federal) (?:agents?|officers?|officials?)", "immigration authorities"),
    # "can the DMV tell immigration where I live", "report me to immigration": the agency, which
    # users call "immigration" as often as "ICE" (not "immigration status", "immigration court").
    (IMMIGRATION_AGENCY, r"\1 ICE immigration enforcement"),
    (r"translators?", "interpreter"),
    (PLATE_READERS, "automated license plate recognition (ALPR) data"),
    (ASKED_FOR_PAPERS, "inquiring into their immigration status"),
    (r"(?:if|whether) " + BEING_LEGAL, "about my immigration status"),
    (BEING_LEGAL, "my immigration status"),
    # "will the DMV tell me if ICE looks me up": the statutes "notify" the person.
    (r"(?<!can you )(?<!could you )(?:tell|let|warn)(s?) (me|you|him|her|them|us)(?: know)? (if|when|whether|who|before)",
     r"notify\1 \2 \3"),
    (r"translat(?:e|es|ed|ing)", "interpret"),
    (rf"(?:the )?(?:{GOVERNMENT_BODIES})", r"a government agency (\g<0>)"),
    (r"(?:hand|turn)(s|ed|ing)? (me|him|her|them|us|someone|somebody|people|a person|inmates?|prisoners?) over",
     r"transfer\1 \2"),
)
_EVERYDAY_DENSE = [(re.compile(rf"(?<!\w)(?:{key})(?!\w)", re.IGNORECASE), term) for key, term in EVERYDAY_DENSE]


def plain_terms(text: str) -> str:
    """`text` with everyday phrasings replaced by the statutes' terms, for the dense encoder."""
    for pattern, term in _EVERYDAY_DENSE:
        text = pattern.sub(term, text)
    return text


_EVERYDAY = [(re.compile(rf"(?<!\w)(?:{key})(?!\w)", re.IGNORECASE), term) for key, term in EVERYDAY_WORDS]

# Spanish grammar words: translated for the dense encoder only when the question reads as Spanish
# (they mean nothing to BM25, whose English stop-word list drops their translations anyway).
# "le" and "les" are dropped: Spanish doubles the person a verb is done to ("le puede pedir mi
# foto al DMV"), and "to them" in the English read as a party the question does not have.
SPANISH_WORDS: dict[str, str] = {
    # Everyday verbs, nouns and phrases seen in Spanish questions about jails, orders and travel.
    "mandó": "sent", "mandaron": "sent", "manda": "sends", "petición": "request", "peticiones": "requests",
    "decirle": "tell him", "decirme": "tell me", "decirles": "tell them", "va a": "will", "van a": "will",
    "viajar": "travel", "avión": "airplane", "volar": "fly", "dentro de": "within",
    "votar": "vote", "voto": "vote",
    # "¿me pueden pedir papeles en una parada de tráfico?", "¿la licencia sirve para volar?"
    "parada de tráfico": "traffic stop", "parada de trafico": "traffic stop", "retén": "checkpoint",
    "sirve para": "can be used to", "necesito": "I need", "necesita": "needs",
    "estados unidos": "United States", "usando": "using", "nomás": "just", "orden": "order",
    "orden de deportación": "deportation order", "vieja": "old", "viejo": "old",
    "mi": "my", "mis": "my", "el": "the", "la": "the", "los": "the", "las": "the", "del": "of the",
    "de": "of", "para": "to", "por": "for", "con": "with", "sin": "without", "que": "that",
    "qué": "what", "cómo": "how", "como": "how", "dónde": "where", "cuándo": "when", "es": "is",
    "son": "are", "ver": "see", "dar": "give", "darle": "give", "tengo": "I have", "tiene": "has",
    "si": "if", "sí": "yes", "mí": "me", "a": "to", "un": "a", "una": "a", "y": "and", "o": "or",
    "en": "in", "al": "to the", "lo": "it", "le": "", "legal": "legal", "pasa": "happens",
    # "le pasa a ICE los datos": passes the data on (not "qué pasa si", what happens if).
    "le pasa a": "passes to", "le pasan a": "pass to", "les pasa a": "passes to", "les pasan a": "pass to",
    "pasarle a": "pass to", "pasarles a": "pass to",
    # Question words and time: "cuándo", "desde 2023", "hace 8 años", "todavía puede".
    "dos": "two", "tres": "three", "hace un año": "a year ago", "hace dos años": "two years ago",
    "hace tres años": "three years ago", "hace años": "years ago",
    "quién": "who", "quiénes": "who", "cuál": "which", "cuáles": "which", "cuánto": "how much",
    "cuánta": "how much", "dinero": "money", "usó mal": "misused", "uso mal": "misused", "usaron mal": "misused", "mal uso": "misuse", "cuántos": "how many", "cuántas": "how many", "por qué": "why", "porque": "because",
    "cuando": "when", "donde": "where", "hasta": "until", "desde": "since", "después": "after",
    "antes": "before", "antes de": "before", "todavía": "still", "también": "also", "pero": "but",
    "aunque": "even if", "ya": "already", "aquí": "here", "ahora": "now", "año": "year",
    "años": "years", "mes": "month", "meses": "months", "día": "day", "días": "days", "semana": "week",
    "ayer": "yesterday", "hoy": "today", "nunca": "never", "siempre": "always",
    # Pronouns and everyday verbs.
    "yo": "I", "me": "me", "nos": "us", "les": "", "su": "their", "sus": "their", "tu": "your",
    "tú": "you", "usted": "you", "ustedes": "you", "él": "he", "ella": "she", "ellos": "they",
    "nosotros": "we", "alguien": "someone", "nadie": "nobody", "nada": "nothing", "algo": "something",
    "este": "this", "esta": "this", "estos": "these", "estas": "these", "eso": "that", "esa": "that",
    "ese": "that", "otro": "other", "otra": "other", "otros": "other", "todo": "all", "todos": "all",
    "más": "more", "menos": "less", "solo": "only", "sólo": "only", "no": "not", "hay": "there is",
    "estoy": "I am", "soy": "I am", "está": "is", "están": "are", "fue": "was", "fui": "I was",
    "tiene que": "must", "tienen que": "must", "tengo que": "I have to",
    "debe": "must", "deben": "must", "podría": "could", "quiero": "I want",
    "saber": "know", "hacer": "do", "hago": "do I", "hacen": "do", "dice": "says", "dicen": "they say",
    "dijo": "said", "dijeron": "said", "da": "gives", "dan": "give", "dio": "gave", "dieron": "gave",
    "dejar": "let", "dejan": "let", "dejaron": "let", "salga": "is released", "salió": "was released",
    "de california": "California", "del estado": "state", "del condado": "county", "otras": "other",
    "no tengo": "I do not have", "no tiene": "does not have", "no tienen": "do not have", "entrar": "enter",
    # Eighth session, read from the n-block's Spanish questions after its measurement.
    "trajo": "brought", "trajeron": "brought", "tradujera": "interpret", "traducir": "interpret",
    "tradujo": "interpreted", "traduzca": "interpret", "interrogando": "interrogating", "interrogar": "interrogate",
    "fecha": "date", "en qué fecha": "on what date", "esposo": "husband", "esposa": "wife",
    "inscribirme": "enroll", "inscribirse": "enroll", "miedo": "fear", "encuentre": "find", "encuentren": "find",
    "emergencia": "emergency", "patron": "employer",
    "otra cosa": "something else", "aparte de": "other than", "verificar": "verify", "quién soy": "who I am",
    "firmó": "signed", "gobernador": "governor", "ley de valores": "Values Act",
    # A law named after "ley", as Spanish orders it: "la ley TRUTH" is the TRUTH Act.
    "ley truth": "TRUTH Act", "ley trust": "TRUST Act", "ley de privacidad": "privacy law",
    "cobrar": "charge", "tarifa": "fee", "cuota": "fee",
    # Twentieth session, from Spanish questions of our own: an interview in jail (the TRUTH Act's
    # consent form), documents handed in for a license, and a person handed over to immigration.
    "entrevista": "interview", "entrevistar": "interview", "entreviste": "interview",
    "entrevisten": "interview", "entrevistarla": "interview her", "entrevistarlo": "interview him",
    "entrevistaron": "interviewed", "entregué": "submitted", "entregamos": "submitted",
    "lo pueden entregar": "can they hand him over", "la pueden entregar": "can they hand her over",
    "lo van a entregar": "will they hand him over", "la van a entregar": "will they hand her over",
    "entregarlo": "hand him over", "entregarla": "hand her over", "lo entregan": "they hand him over",
    "la entregan": "they hand her over",
    # ... a release from jail or prison and a sentence served, a state prison, and a court visited.
    "el día que sale": "the day he is released", "el día que salga": "the day he is released",
    "cuando sale": "when he is released", "prisión estatal": "state prison", "prisiones estatales": "state prisons",
    "termine su condena": "finishes his sentence", "cumpla su condena": "serves his sentence",
    "tribunal": "courthouse", "corte familiar": "family court", "cita en la corte": "court date",
    "dentro": "inside", "afuera": "outside",
    # ... and agents at the door: "¿tengo que abrir la puerta si ICE toca?"
    "abrir la puerta": "open the door", "abro la puerta": "open the door", "la puerta": "the door",
    "toca": "knocks", "tocan": "knock", "tocan la puerta": "knock on the door",
    # ... and, from a third set of our own questions: a penalty, an employee, drivers, the right to
    # see one's file, plate-reader cameras, an abuser looking for someone, religion and a list.
    "castigo": "penalty punishment", "empleado": "employee", "empleada": "employee", "empleados": "employees",
    "conductor": "driver", "conductores": "drivers", "derecho a ver": "right to inspect",
    "cámaras lectoras": "license plate reader cameras", "lectoras de placas": "license plate readers",
    "lector de placas": "license plate reader", "protejo": "protect", "proteger": "protect",
    "agresor": "abuser", "me está buscando": "is looking for me", "religión": "religion",
    "lista": "list registry", "cualquier persona": "anyone", "pedirle": "ask", "pedir": "ask request",
    # Twelfth session: everyday words of the subject's questions that were left in Spanish, from
    # general usage (personal details, proofs of identity and residence, travel, schools and
    # research, learning of something, warrants), not from any one question.
    "nombre": "name", "nombres": "names", "apellido": "last name", "apellidos": "last names",
    "fecha de nacimiento": "date of birth", "lugar de nacimiento": "place of birth", "nacimiento": "birth",
    "edad": "age", "teléfono": "phone number", "número de teléfono": "phone number",
    "correo electrónico": "email", "firma": "signature",
    "papel": "document", "certificado": "certificate", "constancia": "certificate record",
    "comprobante": "proof", "comprobante de domicilio": "proof of residence",
    "recibo": "bill receipt", "recibos": "bills receipts", "recibo de luz": "utility bill",
    "factura": "bill", "contrato de renta": "lease rental agreement", "contrato": "contract agreement",
    "estado de cuenta": "bank statement", "carta": "letter", "cartas": "letters",
    "notas": "grades", "calificaciones": "grades", "muestre": "shows", "muestra": "shows",
    "aeropuerto": "airport", "aeropuertos": "airports", "vuelo": "flight", "vuelos": "flights",
    "universidad": "university", "universidades": "universities", "estudiante": "student",
    "estudiantes": "students", "estudio": "study research", "investigación": "investigation research",
    "investigadores": "researchers", "investigador": "investigator",
    "enterarme": "find out", "enterarse": "find out", "averiguar": "find out", "sabe": "knows",
    "saben": "know", "sabía": "knew", "permitido": "allowed", "permitida": "allowed",
    "prohibido": "prohibited", "prohibida": "prohibited", "escapar": "escape flee",
    "sin orden": "without a warrant",
    "pagar": "pay", "costo": "cost", "gratis": "free",
}
# Spanish grammar words left after the glossary's words are translated: the question reads as
# Spanish. Not "el", "la", "los", "las", "se", "no" or "es": English questions name "El Salvador",
# "LA", "Los Angeles" and "Las Vegas".
_SPANISH_HINT = re.compile(
    r"[¿¡áéíóúñ]|\b(?:mi|mis|del|para|puede|qué|cómo|que|una|tengo|tiene|estoy|porque|cuando|donde|pero|esta|por|hay)\b",
    re.IGNORECASE)


def _plain_spellings(table: dict[str, str], english: frozenset[str]) -> dict[str, str]:
    """`table` with each accented key also spelled without accents, as many type on a phone or an
    English keyboard ("detención" -> "detencion"), unless that spelling is already a key or an
    English word (`english`: "patrón" is not "patron")."""
    import unicodedata

    out = dict(table)
    for key, term in table.items():
        if key.isascii():
            continue
        plain = "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c))
        if plain != key and plain not in out and plain not in english:
            out[plain] = term
    return out


# Accent-free spellings that are English words with another meaning ("patrón", the boss, is not
# a "patron") or the same word, which the glossary would rewrite in every English question.
_ENGLISH_SPELLINGS = frozenset({"patron", "record"})
GLOSSARY = _plain_spellings(GLOSSARY, _ENGLISH_SPELLINGS)
SPANISH_WORDS = _plain_spellings(SPANISH_WORDS, _ENGLISH_SPELLINGS)
_WORD = re.compile(r"\w+")


class _Words:
    """A table of words and phrases, found in a text as whole words, the longest phrase at each
    word first: what one regex alternation of the keys (longest first, case-insensitive) finds,
    without compiling one. One regex of the ~620 glossary keys took ~12 ms to compile at import
    (~2 ms for the ~120 keys before), which a cold `kb ask` pays (issue 15); this needs none, and
    its look-ups (one a word, more only from a word a phrase starts with) cost ~0.2 M instructions
    a question more than the old 120-key regex (callgrind, the 591 tuning questions)."""

    def __init__(self, table: dict[str, str]):
        self.table = table
        # The most words of any phrase starting with each word (keys hold only words, spaces
        # and hyphens: checked in tests/test_glossary.py), so most words are looked up once.
        self.span: dict[str, int] = {}
        for key in table:
            if " " in key or "-" in key:
                words = key.replace("-", " ").split()
                self.span[words[0]] = max(self.span.get(words[0], 1), len(words))

    def found(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of each key in `text`, left to right, not overlapping. A phrase's
        words are compared with what is typed between them ("opt out" is not "opt-out")."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        out, i = [], 0
        while i < len(words):
            first = text[words[i][0]:words[i][1]].lower()
            for n in range(min(self.span.get(first, 1), len(words) - i), 0, -1):
                start, end = words[i][0], words[i + n - 1][1]
                term = self.table.get(text[start:end].lower())
                if term is not None:
                    out.append((start, end, term))
                    i += n
                    break
            else:
                i += 1
        return out

    def sub(self, text: str) -> str:
        """`text` with each key replaced by its term."""
        parts, last = [], 0
        for start, end, term in self.found(text):
            parts += [text[last:start], term]
            last = end
        return "".join(parts) + text[last:]


_GLOSSARY = _Words(GLOSSARY)
_ACCESS = _Words(ACCESS_WORDS)


@functools.cache
def _spanish() -> _Words:
    """Both tables, for a question that reads as Spanish (the glossary's term wins on a shared
    key); built on first use, as most questions are not."""
    return _Words({**SPANISH_WORDS, **GLOSSARY})


def reads_as_spanish(text: str) -> bool:
    """Whether `text` still holds Spanish grammar words once the glossary's words are translated."""
    return bool(_SPANISH_HINT.search(_GLOSSARY.sub(text)))


def translate_query(text: str) -> str:
    """`text` with each glossary word replaced by the corpus's term: for the dense encoder,
    whose English-only model embeds a half-Spanish question poorly even with terms appended."""
    english = _GLOSSARY.sub(text)
    if not _SPANISH_HINT.search(english):
        return english
    # One pass over both tables, longest first, so that a glossary term's English words ("a",
    # "no") are never read again as Spanish and a phrase ("tiene que") wins over its words.
    english = _spanish().sub(text).replace("¿", "").replace("¡", "")
    return re.sub(r"(?<=\S)  +(?=\S)", " ", english)  # where a dropped word ("le") was


def expand_query(text: str) -> str:
    """`text` with the corpus's terms for any glossary words appended (each once)."""
    extra: list[str] = []
    found = [(start, term) for start, _end, term in _GLOSSARY.found(text)]
    found += [(start, term) for start, _end, term in _ACCESS.found(text)]
    found += [(m.start(), term) for pattern, term in _EVERYDAY for m in pattern.finditer(text)]
    if reads_as_spanish(text):
        # The everyday phrasings and words of access, read in the question's English form ("si
        # tienen un archivo sobre mí" -> "a record about me"), after the words typed.
        english = translate_query(text)
        found += [(len(text) + start, term) for start, _end, term in _ACCESS.found(english)]
        found += [(len(text) + m.start(), term) for pattern, term in _EVERYDAY for m in pattern.finditer(english)]
    for _start, term in sorted(found):
        if term not in extra and term.lower() not in text.lower():
            extra.append(term)
    return f"{text} ({'; '.join(extra)})" if extra else text


@functools.cache
def fingerprint() -> str:
    """The sha256 of this module's source: corpus keys and guide questions are embedded through
    translate_query (kb/indexing.py), so an index built under another glossary is stale
    (kb/staleness.py). Any edit counts; a rebuild after one re-embeds only the texts it changed."""
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
