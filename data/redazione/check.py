#!/usr/bin/env python3
"""Consistency check for the editorial data in data/redazione/.

Run from anywhere:  python3 data/redazione/check.py
Exit status 0 when everything is consistent, 1 otherwise (errors are printed).

Checks:
- both files are valid JSON with the expected schema ids;
- every category, life/business event, interactivity and authentication code exists in
  data/vocabolari/*.csv; every topic is an exact Modello Comuni "argomento";
- servizi_comunali.json: ids are "rc-" + slug, ids and slugs unique and lowercase-ascii-hyphen,
  summary 60-160 characters, all text sections present and non-empty, no headings or HTML in the
  markdown, channel kinds and statuses allowed, amounts are non-negative integers;
- schede_regionali.json: exactly the 35 objects of data/accesso_unico/catalogo_schede.json,
  slugs unique and lowercase-ascii-hyphen, authority allowed.
"""
import csv
import json
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
AUDIENCES = {"cittadini", "imprese", "intermediari", "pa"}
CHANNEL_KINDS = {"online", "office", "phone", "email", "pec"}
STATUSES = {"attivo", "non-attivo", "in-sviluppo"}
TEXT_KEYS = ["description", "addressed", "how_to", "needed", "achieved", "calendar", "costs", "access", "conditions"]
SERVICE_KEYS = ["id", "slug", "title", "summary", "audience", "category", "topics", "life_events", "business_events",
                "authority", "texts", "channels", "costs", "documents", "processing_days", "legal_term_days",
                "silenzio_assenso", "legal_references", "interactivity", "authentication", "status", "keywords"]
CARD_KEYS = ["slug", "category", "topics", "life_events", "business_events", "authority", "legal_term_days",
             "silenzio_assenso", "interactivity", "authentication", "legal_references", "achieved", "needed"]

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def codes(name, column):
    with open(DATA / "vocabolari" / name, encoding="utf-8") as f:
        return {row[column] for row in csv.DictReader(f)}


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        err(path.name, f"not valid JSON: {e}")
        return None


CATEGORIES = codes("public-services-subject-matters.csv", "Codice_1_livello")
LIFE = codes("life-event.csv", "codice_1_livello")
BUSINESS = codes("business-event.csv", "codice_1_livello")
INTERACTIVITY = codes("interactivity-level.csv", "codice_1_livello")
AUTH = codes("authentication-type.csv", "codice_1_livello")
with open(DATA / "modello_comuni" / "vocabolario_modello_comuni.json", encoding="utf-8") as f:
    TOPICS = set(json.load(f)["argomenti"])


def check_classification(where, item):
    if item.get("category") not in CATEGORIES:
        err(where, f"unknown category {item.get('category')!r}")
    if not item.get("topics"):
        err(where, "no topics")
    for t in item.get("topics", []):
        if t not in TOPICS:
            err(where, f"topic not in Modello Comuni argomenti: {t!r}")
    for e in item.get("life_events", []):
        if e not in LIFE:
            err(where, f"unknown life event {e!r}")
    for e in item.get("business_events", []):
        if e not in BUSINESS:
            err(where, f"unknown business event {e!r}")
    if item.get("interactivity") not in INTERACTIVITY:
        err(where, f"unknown interactivity {item.get('interactivity')!r}")
    if item.get("authentication") not in AUTH:
        err(where, f"unknown authentication {item.get('authentication')!r}")
    if not isinstance(item.get("legal_term_days"), int) or item["legal_term_days"] <= 0:
        err(where, "legal_term_days must be a positive integer")
    if not isinstance(item.get("silenzio_assenso"), bool):
        err(where, "silenzio_assenso must be a boolean")
    if not isinstance(item.get("legal_references"), list):
        err(where, "legal_references must be a list")


def check_markdown(where, text):
    if re.search(r"^\s*#", text, re.M):
        err(where, "markdown heading found")
    if re.search(r"<[a-zA-Z/][^>]*>", text):
        err(where, "HTML tag found")


def check_services():
    doc = load(DATA / "redazione" / "servizi_comunali.json")
    if doc is None:
        return 0
    if doc.get("schema") != "accesso-unico/servizi-redazione@1":
        err("servizi_comunali.json", f"unexpected schema {doc.get('schema')!r}")
    ids, slugs = set(), set()
    for i, s in enumerate(doc.get("services", [])):
        where = f"servizi[{i}] {s.get('id')}"
        if list(s.keys()) != SERVICE_KEYS:
            err(where, f"keys differ from the schema: {sorted(set(s) ^ set(SERVICE_KEYS))}")
        sid, slug = s.get("id", ""), s.get("slug", "")
        if not SLUG.match(slug):
            err(where, f"bad slug {slug!r}")
        if sid != "rc-" + slug:
            err(where, "id must be 'rc-' + slug")
        if sid in ids or slug in slugs:
            err(where, "duplicate id or slug")
        ids.add(sid)
        slugs.add(slug)
        if not 60 <= len(s.get("summary", "")) <= 160:
            err(where, f"summary length {len(s.get('summary', ''))} outside 60-160")
        if not s.get("audience") or not set(s["audience"]) <= AUDIENCES:
            err(where, f"bad audience {s.get('audience')}")
        if s.get("authority") != "each-comune":
            err(where, "authority must be each-comune")
        if s.get("status") not in STATUSES:
            err(where, f"bad status {s.get('status')!r}")
        check_classification(where, s)
        texts = s.get("texts", {})
        for k in TEXT_KEYS:
            if len(texts.get(k, "").strip()) < 3:
                err(where, f"text {k!r} missing or too short")
            check_markdown(f"{where} texts.{k}", texts.get(k, ""))
        for c in s.get("channels", []):
            if c.get("kind") not in CHANNEL_KINDS:
                err(where, f"bad channel kind {c.get('kind')!r}")
            if c.get("url") and not c["url"].startswith("https://"):
                err(where, f"channel url not https: {c['url']}")
        for c in s.get("costs", []):
            if not isinstance(c.get("amount_cents"), int) or c["amount_cents"] < 0 or not c.get("description"):
                err(where, f"bad cost {c}")
        for key in ("processing_days",):
            if not isinstance(s.get(key), int) or s[key] < 0:
                err(where, f"{key} must be a non-negative integer")
        for kw in s.get("keywords", []):
            if kw != kw.lower():
                err(where, f"keyword not lowercase: {kw!r}")
    return len(ids)


def check_cards():
    doc = load(DATA / "redazione" / "schede_regionali.json")
    catalogue = load(DATA / "accesso_unico" / "catalogo_schede.json")
    if doc is None or catalogue is None:
        return 0
    if doc.get("schema") != "accesso-unico/arricchimento-schede@1":
        err("schede_regionali.json", f"unexpected schema {doc.get('schema')!r}")
    cards = doc.get("cards", {})
    objects = {c["object"] for c in catalogue}
    for missing in sorted(objects - set(cards)):
        err("schede_regionali.json", f"missing card {missing!r}")
    for extra in sorted(set(cards) - objects):
        err("schede_regionali.json", f"card not in catalogue {extra!r}")
    slugs = set()
    for obj, c in cards.items():
        where = f"scheda {obj}"
        if list(c.keys()) != CARD_KEYS:
            err(where, f"keys differ from the schema: {sorted(set(c) ^ set(CARD_KEYS))}")
        slug = c.get("slug", "")
        if not SLUG.match(slug):
            err(where, f"bad slug {slug!r}")
        if slug in slugs:
            err(where, f"duplicate slug {slug!r}")
        slugs.add(slug)
        if c.get("authority") not in {"each-comune", "regione-umbria"}:
            err(where, f"bad authority {c.get('authority')!r}")
        check_classification(where, c)
        for k in ("achieved", "needed"):
            check_markdown(f"{where} {k}", c.get(k, ""))
    return len(cards)


if __name__ == "__main__":
    n_services = check_services()
    n_cards = check_cards()
    if errors:
        print("\n".join(errors))
        print(f"FAILED: {len(errors)} error(s)")
        sys.exit(1)
    print(f"OK: {n_services} reference services, {n_cards} regional cards")
