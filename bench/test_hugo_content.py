"""Unit tests of bench/hugo_content.py, the Opora → Hugo content converter of the comparison
benchmark. Run by scripts/test.sh: python3 -m unittest discover -s bench -p 'test_*.py'"""

import json
import tempfile
import unittest
from pathlib import Path

import hugo_content

REPO = Path(__file__).resolve().parent.parent


def front_matter(path):
    """The JSON front matter object at the top of a written Hugo page, and the body after it."""
    text = path.read_text(encoding="utf-8")
    meta, end = json.JSONDecoder().raw_decode(text)
    return meta, text[end:].lstrip("\n")


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class SmallPortal(unittest.TestCase):
    """A two-service portal written by hand, converted into a temporary Hugo site."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.portal, self.site = root / "portal", root / "site"
        write(
            self.portal / "data/taxonomy.toml",
            '[[needs]]\nid = "crisis"\nlabel = "Кризисная ситуация"\ndescription = "Тяжело."\n'
            '[[needs]]\nid = "legal"\nlabel = "Юридическая помощь"\n'
            '[[kinds]]\nid = "ngo"\nlabel = "НКО"\n',
        )
        write(
            self.portal / "content/regions/ru-qaa.md",
            '+++\ncode = "RU-QAA"\nname = "Синтетическая область 0"\nname_in = "в области"\n'
            'centre = "Город 0"\n\n[[municipalities]]\nname = "Город 0-0"\nlat = 45.1\nlon = 30.2\n\n'
            '[[municipalities]]\nname = "Город 0-1"\nlat = 45.3\nlon = 30.6\n+++\nО регионе.\n',
        )
        write(
            self.portal / "content/services/ru-qaa/centr-1.md",
            '+++\nname = "Центр «Опора» № 1"\nkind = "ngo"\nneeds = ["crisis", "legal"]\n'
            'region = "RU-QAA"\nmunicipality = "Город 0-1"\n'
            'location = { lat = 45.31, lon = 30.61, precision = "street" }\n'
            'phones = ["8 (400) 123-45-67", { number = "+79990001122", note = "горячая линия" }]\n'
            'emails = ["centre1@example.ru"]\nhours = "пн–пт 9:00–18:00"\nverified = 2026-11-01\n'
            'sources = [{ doc = "001", line = 7 }]\n+++\nПомогает семьям.\n',
        )
        write(
            self.portal / "content/services/national/line.md",
            '+++\nname = "Линия без региона"\nkind = "ngo"\nneeds = ["crisis"]\n+++\n',
        )
        self.counts = hugo_content.convert(self.portal, self.site)

    def tearDown(self):
        self.tmp.cleanup()

    def test_counts_every_record_written(self):
        self.assertEqual(
            self.counts, {"services": 2, "regions": 1, "municipalities": 2, "needs": 2}
        )

    def test_site_starts_from_the_plain_templates(self):
        self.assertTrue((self.site / "hugo.toml").is_file())
        self.assertTrue((self.site / "layouts/services/page.html").is_file())

    def test_service_page_carries_fields_and_need_region_terms(self):
        meta, body = front_matter(self.site / "content/services/ru-qaa/centr-1.md")
        self.assertEqual(meta["title"], "Центр «Опора» № 1")
        self.assertEqual(meta["slug"], "centr-1")
        self.assertEqual(meta["regions"], ["ru-qaa"])
        self.assertEqual(meta["needs"], ["crisis", "legal"])
        self.assertEqual(meta["needregions"], ["crisis--ru-qaa", "legal--ru-qaa"])
        params = meta["params"]
        self.assertEqual((params["lat"], params["lon"]), (45.31, 30.61))
        self.assertEqual(params["municipality"], "Город 0-1")
        self.assertEqual(params["emails"], ["centre1@example.ru"])
        self.assertEqual(body, "Помогает семьям.\n")

    def test_phone_strings_and_tables_become_number_entries(self):
        meta, _ = front_matter(self.site / "content/services/ru-qaa/centr-1.md")
        self.assertEqual(
            meta["params"]["phones"],
            [{"number": "8 (400) 123-45-67"}, {"number": "+79990001122", "note": "горячая линия"}],
        )

    def test_service_without_region_has_no_region_terms(self):
        meta, _ = front_matter(self.site / "content/services/no-region/line.md")
        self.assertNotIn("regions", meta)
        self.assertNotIn("needregions", meta)
        self.assertEqual(meta["needs"], ["crisis"])

    def test_region_term_page_lists_its_municipality_pages(self):
        meta, body = front_matter(self.site / "content/regions/ru-qaa/_index.md")
        self.assertEqual(meta["title"], "Синтетическая область 0")
        self.assertEqual(
            meta["params"]["municipalities"],
            [{"name": "Город 0-0", "slug": "ru-qaa-0"}, {"name": "Город 0-1", "slug": "ru-qaa-1"}],
        )
        self.assertEqual(body, "О регионе.\n")
        town, _ = front_matter(self.site / "content/municipalities/ru-qaa-1.md")
        self.assertEqual(town["params"], {"region": "ru-qaa", "lat": 45.3, "lon": 30.6})

    def test_labels_come_from_the_portal_taxonomy(self):
        needs = json.loads((self.site / "data/needs.json").read_text(encoding="utf-8"))
        self.assertEqual(needs, {"crisis": "Кризисная ситуация", "legal": "Юридическая помощь"})
        need, _ = front_matter(self.site / "content/needs/crisis/_index.md")
        self.assertEqual((need["title"], need["weight"]), ("Кризисная ситуация", 1))

    def test_a_second_conversion_replaces_the_site(self):
        (self.portal / "content/services/national/line.md").unlink()
        hugo_content.convert(self.portal, self.site)
        self.assertFalse((self.site / "content/services/no-region/line.md").exists())


class BadInput(unittest.TestCase):
    def test_unclosed_front_matter_names_the_file(self):
        with self.assertRaisesRegex(hugo_content.PortalError, r"x\.md: front matter has no closing"):
            hugo_content.split_front_matter('+++\nname = "a"\n', "x.md")

    def test_invalid_toml_names_the_file(self):
        with self.assertRaisesRegex(hugo_content.PortalError, r"x\.md: front matter:"):
            hugo_content.split_front_matter("+++\nname = \n+++\n", "x.md")

    def test_a_folder_without_content_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(hugo_content.PortalError, "not an Opora portal"):
                hugo_content.convert(Path(tmp), Path(tmp) / "site")


class RealPortal(unittest.TestCase):
    def test_every_service_and_region_of_the_repository_converts(self):
        services = [p for p in (REPO / "content/services").rglob("*.md") if not p.name.startswith("_")]
        regions = [p for p in (REPO / "content/regions").glob("*.md") if not p.name.startswith("_")]
        with tempfile.TemporaryDirectory() as tmp:
            counts = hugo_content.convert(REPO, Path(tmp) / "site")
        self.assertEqual(counts["services"], len(services))
        self.assertEqual(counts["regions"], len(regions))


if __name__ == "__main__":
    unittest.main()
