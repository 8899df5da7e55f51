"""Query vocabulary: place names in English and Spanish, and common question words in Spanish and
German, so that "State of Mexico" finds "Estado de México" and "¿Cuántos miembros...?" finds
"members". General domain vocabulary, not tuned to any question set. Accent and case folding is
done by ``text.fold``; this module only adds equivalent phrasings, and tells a Spanish or German
question by its function words (``is_foreign``).
"""

from __future__ import annotations

import re

from ..text import USA, fold, singular, tokenize

# Each group lists names of one place; a query that mentions one gets the others added.
PLACE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("state of mexico", "estado de mexico", "mexico state", "edomex"),
    ("mexico city", "ciudad de mexico", "cdmx", "distrito federal"),
    ("nuevo leon", "nuevo león", "monterrey"),
    ("queretaro", "querétaro"),
    ("baja california", "tijuana", "mexicali"),
    ("guanajuato", "leon guanajuato"),
    ("jalisco", "guadalajara"),
    ("san luis potosi", "san luis potosí", "slp"),
    ("michoacan", "michoacán"),
    ("yucatan", "yucatán", "merida"),
    ("united states", "usa", "estados unidos"),  # "US" in capitals reads "usa" (see expansions)
    ("european union", "eu", "union europea", "europaische union"),
)

# Spanish and German question words -> English words the documents use.
GLOSSARY: dict[str, str] = {
    # Spanish
    "cuantos": "how many number",
    "cuantas": "how many number",
    "cuanto": "how much",
    "miembros": "members",
    "socios": "members associates",
    "empresas": "companies",
    "companias": "companies",
    "empleos": "jobs",
    "trabajos": "jobs",
    "fundado": "founded created",
    "fundada": "founded created",
    "fundo": "founded",
    "creado": "created",
    "creada": "created",
    "año": "year",
    "ano": "year",
    "cuando": "when year",
    "quien": "who",
    "cual": "which what",
    "comites": "committees",
    "comite": "committee",
    "sector": "sector",
    "sectores": "sectors",
    "estado": "state",
    "estados": "states",
    "pais": "country",
    "exportaciones": "exports",
    "inversion": "investment",
    "aeroespacial": "aerospace",
    "automotriz": "automotive",
    "energia": "energy",
    "renovable": "renewable",
    "renovables": "renewable",
    "clusteres": "clusters",
    "tecnologias": "technologies",
    "informacion": "information",
    "ti": "it",
    "ley": "law",
    "programa": "programme program",
    "objetivo": "goal aim objective",
    "empleados": "employees jobs",
    "millones": "million",
    "mil": "thousand",
    "universidades": "universities",
    "ciudad": "city",
    "innovacion": "innovation",
    "centros": "centers centres",
    "acuerdo": "agreement",
    # German
    "wie": "how",
    "viele": "many number",
    "mitglieder": "members",
    "unternehmen": "companies",
    "firmen": "companies",
    "arbeitsplatze": "jobs",
    "gegrundet": "founded",
    "jahr": "year",
    "wann": "when year",
    "wer": "who",
    "welche": "which",
    "ausschusse": "committees",
    "bundesstaat": "state",
    "bundesstaaten": "states",
    "luftfahrt": "aerospace aviation",
    "luft": "aerospace",
    "raumfahrt": "aerospace",
    "automobil": "automotive",
    "energie": "energy",
    "erneuerbare": "renewable",
    "ziel": "goal aim",
    "exporte": "exports",
    "ausfuhren": "exports",
    "investitionen": "investment",
    "gesetz": "law",
    "programm": "programme",
    "stadt": "city",
    "millionen": "million",
    "milliarden": "billion",
    "hochschulen": "universities",
    "beschaftigte": "jobs employees",
    "cluster": "cluster",
}

# More everyday Spanish and German vocabulary of questions about clusters.
GLOSSARY.update(
    {
        "estudiantes": "students", "egresan": "graduate students", "instituciones": "institutions",
        "academicas": "academic", "proyecto": "project", "proyectos": "projects",
        "proteger": "protect", "industriales": "industrial", "infraestructura": "infrastructure",
        "ciberseguridad": "cybersecurity", "empleo": "jobs employment", "metas": "goals targets",
        "limpia": "clean", "desarrollo": "development", "registrados": "registered",
        "certificados": "certified", "polo": "hub", "representa": "represents",
        "actualmente": "currently", "ventas": "sales", "miembro": "member",
        "afiliados": "affiliated members", "fabricantes": "manufacturers",
        "vehiculos": "vehicles", "produjo": "produced", "alianza": "alliance",
        "alianzas": "alliances", "consejo": "council", "camara": "chamber",
        "presidente": "president", "presidenta": "president", "imitar": "imitate",
        "estrategia": "strategy", "pilares": "pillars", "comercio": "trade",
        "exterior": "foreign", "vertreter": "representative", "land": "country",
        "vergleichen": "compare", "studierende": "students", "zentren": "centers",
        "angesiedelt": "arrival established", "investiert": "invested",
        "ausschuss": "committee", "grundung": "founded", "forderung": "promotion",
        "automotrices": "automotive", "automotores": "automotive", "informe": "report",
        "segun": "according", "laut": "according", "anteil": "share", "porcentaje": "share",
    }
)  # fmt: skip

# Everyday English words a question may use where the documents use another: the documents'
# word is searched for too, and the question's word is not taken for a missing topic.
GLOSSARY.update(
    {
        "car": "vehicle automotive", "cars": "vehicles automotive", "automobile": "vehicle",
        "automaker": "manufacturer automotive", "carmaker": "manufacturer automotive",
        "maker": "manufacturer producer", "makers": "manufacturers producers",
        "firm": "company", "firms": "companies",
        "proportion": "share percent", "percentage": "share percent", "portion": "share",
        "fraction": "share", "staff": "employees", "workforce": "employees jobs workers",
        "workers": "employees jobs", "employer": "company", "output": "production produced",
        "abroad": "export foreign", "overseas": "foreign abroad", "sold": "sales",
        "revenue": "sales", "turnover": "sales", "headcount": "employees",
        "boss": "president director", "chair": "president",
        "chairman": "president", "chairwoman": "president", "leader": "president director",
        "founder": "founded", "inception": "founded", "began": "started founded",
        "congress": "congreso conference", "fair": "event", "summit": "event conference",
        "scheme": "programme program", "initiative": "programme",
        "centre": "center", "centres": "centers",
        "university": "universities", "college": "university", "graduates": "graduate",
        "aim": "goal objective", "purpose": "goal objective", "mission": "goal objective",
        "acronym": "abbreviation", "customers": "clients", "client": "customer",
        "multinational": "international global foreign",
        "membership": "members", "memberships": "members", "employ": "jobs employees",
    }
)  # fmt: skip

# Nationality adjectives -> country names, so "a Peruvian cluster" finds "Peru".
DEMONYMS: dict[str, str] = {
    "peruvian": "peru", "colombian": "colombia", "chilean": "chile", "brazilian": "brazil",
    "argentine": "argentina", "argentinian": "argentina", "rican": "rica",
    "guatemalan": "guatemala", "canadian": "canada",
    "german": "germany", "french": "france", "spanish": "spain", "italian": "italy",
    "dutch": "netherlands", "belgian": "belgium", "british": "uk united kingdom",
    "irish": "ireland", "portuguese": "portugal", "polish": "poland", "austrian": "austria",
    "swiss": "switzerland", "swedish": "sweden", "danish": "denmark", "finnish": "finland",
    "norwegian": "norway", "czech": "czech republic", "japanese": "japan", "korean": "korea",
    "chinese": "china", "indian": "india", "cuban": "cuba",
}  # fmt: skip
GLOSSARY.update(DEMONYMS)

_WORD = re.compile(r"[a-z0-9]+")


def expansions(query: str) -> list[tuple[str, str]]:
    """What to search for besides the query's own words, with what each stands for: other names
    of the places mentioned ("baja california" -> "tijuana mexicali") and English equivalents
    of Spanish or German words ("miembros" -> "members")."""
    folded = fold(USA.sub(" usa ", query))  # "US", not the pronoun "us"
    padded = f" {' '.join(_WORD.findall(folded))} "
    out: list[tuple[str, str]] = []
    for group in PLACE_GROUPS:
        names = list(dict.fromkeys(" ".join(_WORD.findall(fold(name))) for name in group))
        said = [name for name in names if f" {name} " in padded]
        if said:
            out.append((said[0], " ".join(n for n in names if n not in said)))
    for word in _WORD.findall(folded):
        if word in GLOSSARY:
            out.append((word, GLOSSARY[word]))
    return [(source, words) for source, words in out if words]


def expand_query(query: str) -> str:
    """Extra words to search for (see ``expansions``). Returns "" when there is nothing to add."""
    return " ".join(dict.fromkeys(words for _, words in expansions(query)))


def gloss(question: str) -> str:
    """A Spanish or German question word by word in the glossary's English ("¿Cuántos miembros
    tiene X?" -> "how many number members tiene X"), for an English reader; words the glossary
    lacks (names, cognates) stay as written."""
    out = []
    for word in re.findall(r"[^\W_][\w'’@&-]*", question):
        key = fold(word)
        out.append(GLOSSARY.get(key, "" if key in _FOREIGN else word))
    return " ".join(w for w in out if w)


# GLOSSARY keys are whole words ("miembros"); question terms are tokens, singular ("miembro").
GLOSSARY_TOKENS = {
    **{stem: v for k, v in GLOSSARY.items() for stem in tokenize(k, keep_stopwords=True)},
    **{singular(k): v for k, v in GLOSSARY.items()},
    **GLOSSARY,
}

_FOREIGN = frozenset(
    """que qué cual cuál cuales cuántos cuántas cuantos cuantas quien quién donde dónde cuando
    cuándo como cómo tiene tienen del los las una segun según el la en hay se es son por para
    wie viele welche welcher wer wann wo hat haben gibt der die das und mit laut im ist sind ein
    eine den dem des sich""".split()
)


def is_foreign(question: str) -> bool:
    """True for a Spanish or German question (two or more of their function words)."""
    words = fold(question).split()
    return sum(1 for w in words if w.strip("¿?¡!,.") in _FOREIGN) >= 2
