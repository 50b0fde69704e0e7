#!/usr/bin/env python3
"""Turn an Opora portal's services and regions into a Hugo site, for bench/compare-hugo.sh.

    python3 bench/hugo_content.py PORTAL_ROOT HUGO_SITE

PORTAL_ROOT is an Opora portal (usually the synthetic one `examples/synth` writes); HUGO_SITE
is created afresh from the plain templates in bench/hugo/ plus, for the same records Opora
builds from:

- content/services/<region>/<slug>.md: one page per service (its fields as page params, its
  Markdown body as is), with the taxonomies `regions`, `needs` and `needregions` (need × region),
  which is how a Hugo site lists records by category without scanning every page per list;
- content/regions/<region>/_index.md and content/needs/<need>/_index.md: the term pages' own
  data (a region's name, centre and body; a need's label and description);
- content/municipalities/<region>-<n>.md: one page per municipality of a region; its template
  lists the region's services by distance, as Opora's municipality pages do;
- data/needs.json and data/kinds.json: the labels from the portal's data/taxonomy.toml.

Only joins a Hugo site needs as input are made here (a service's need × region terms); lists,
groupings, counts, sorting and distances are computed by Hugo's templates, as Opora computes
them in its build. Front matter is written as JSON, which Hugo reads natively. Python's standard
library only (tomllib), so the script needs nothing installed.
"""

import json
import shutil
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "hugo"


class PortalError(Exception):
    """A portal file this converter cannot read, with the file named."""


def split_front_matter(text, path):
    """Split `+++`-fenced TOML front matter from the Markdown body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "+++":
        raise PortalError(f"{path}:1: expected `+++` TOML front matter")
    for i in range(1, len(lines)):
        if lines[i].strip() == "+++":
            try:
                meta = tomllib.loads("".join(lines[1:i]))
            except tomllib.TOMLDecodeError as e:
                raise PortalError(f"{path}: front matter: {e}") from e
            return meta, "".join(lines[i + 1 :])
    raise PortalError(f"{path}: front matter has no closing `+++`")


def write_page(path, front, body=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(front, ensure_ascii=False, indent=1, default=str) + "\n" + body
    path.write_text(text, encoding="utf-8")


def region_slug(code):
    return code.lower()


def need_region_term(need, code):
    return f"{need}--{region_slug(code)}"


def phone_entry(phone):
    """A phone as `{number, note?}`: a record writes it as a string or as such a table."""
    if isinstance(phone, dict):
        return {k: v for k, v in phone.items() if k in ("number", "note")}
    return {"number": str(phone)}


def service_page(meta, body, slug):
    """The Hugo page (front matter, body) of one service record."""
    code = meta.get("region")
    needs = list(meta.get("needs", []))
    location = meta.get("location") or {}
    params = {
        "name": meta["name"],
        "kind": meta.get("kind"),
        "region": region_slug(code) if code else None,
        "municipality": meta.get("municipality"),
        "district": meta.get("district"),
        "lat": location.get("lat"),
        "lon": location.get("lon"),
        "phones": [phone_entry(p) for p in meta.get("phones", [])],
        "emails": meta.get("emails", []),
        "website": meta.get("website"),
        "hours": meta.get("hours"),
        "cost": meta.get("cost"),
        "eligibility": meta.get("eligibility"),
        "sources": meta.get("sources", []),
    }
    front = {
        "title": meta["name"],
        "slug": slug,
        "params": {k: v for k, v in params.items() if v not in (None, [], "")},
        "needs": needs,
    }
    if code:
        front["regions"] = [region_slug(code)]
        front["needregions"] = [need_region_term(n, code) for n in needs]
    return front, body


def region_pages(meta, body):
    """A region's term page and its municipalities' pages: [(relative path, front, body)]."""
    slug = region_slug(meta["code"])
    municipalities = meta.get("municipalities", [])
    front = {
        "title": meta.get("name", meta["code"]),
        "params": {
            "code": meta["code"],
            "name_in": meta.get("name_in", ""),
            "centre": meta.get("centre", ""),
            "municipalities": [
                {"name": m["name"], "slug": f"{slug}-{i}"} for i, m in enumerate(municipalities)
            ],
        },
    }
    pages = [(f"regions/{slug}/_index.md", front, body)]
    for i, m in enumerate(municipalities):
        pages.append(
            (
                f"municipalities/{slug}-{i}.md",
                {
                    "title": m["name"],
                    "slug": f"{slug}-{i}",
                    "params": {
                        "region": slug,
                        "lat": m.get("lat"),
                        "lon": m.get("lon"),
                    },
                },
                "",
            )
        )
    return pages


def convert(portal, site):
    """Write the Hugo site for `portal` into `site`; returns counts of what was written."""
    portal, site = Path(portal), Path(site)
    if not (portal / "content").is_dir():
        raise PortalError(f"{portal}: not an Opora portal (no content/ folder)")
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(TEMPLATES, site)
    content = site / "content"
    counts = {"services": 0, "regions": 0, "municipalities": 0, "needs": 0}

    taxonomy_path = portal / "data" / "taxonomy.toml"
    taxonomy = tomllib.loads(taxonomy_path.read_text(encoding="utf-8")) if taxonomy_path.exists() else {}
    needs = taxonomy.get("needs", [])
    kinds = taxonomy.get("kinds", [])
    (site / "data").mkdir(exist_ok=True)
    for name, items in (("needs", needs), ("kinds", kinds)):
        labels = {item["id"]: item.get("label", item["id"]) for item in items}
        (site / "data" / f"{name}.json").write_text(
            json.dumps(labels, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    for weight, need in enumerate(needs, 1):
        write_page(
            content / "needs" / need["id"] / "_index.md",
            {"title": need.get("label", need["id"]), "weight": weight,
             "params": {"description": need.get("description", "")}},
        )
        counts["needs"] += 1

    for path in sorted((portal / "content" / "regions").glob("*.md")):
        if path.name.startswith("_"):
            continue
        meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
        if "code" not in meta:
            raise PortalError(f"{path}: region has no `code`")
        for rel, front, page_body in region_pages(meta, body):
            write_page(content / rel, front, page_body)
            counts["municipalities" if rel.startswith("municipalities/") else "regions"] += 1

    for path in sorted((portal / "content" / "services").rglob("*.md")):
        if path.name.startswith("_"):
            continue
        meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
        if "name" not in meta:
            raise PortalError(f"{path}: service has no `name`")
        front, body = service_page(meta, body, path.stem)
        folder = front.get("regions", ["no-region"])[0]
        write_page(content / "services" / folder / path.name, front, body)
        counts["services"] += 1
    return counts


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        counts = convert(argv[1], argv[2])
    except (PortalError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(
        "hugo site: {services} services, {regions} regions, {municipalities} municipalities, "
        "{needs} needs at {site}".format(site=argv[2], **counts)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
