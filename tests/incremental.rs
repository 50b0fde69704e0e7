//! Incremental builds: a build keeps the pages whose inputs did not change
//! since the site it recycles (src/render/fingerprint.rs, src/output/built.rs).
//! Whatever the sequence of edits, the site it publishes must be byte for
//! byte the site a clean build makes — a stale page would be a page that
//! lies.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{mini_portal, opora};

/// Every file of a site, by its path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn assert_same_site(incremental: &Path, clean: &Path, step: &str) {
    let (a, b) = (tree(incremental), tree(clean));
    let only = |x: &BTreeMap<String, Vec<u8>>, y: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        x.keys().filter(|k| !y.contains_key(*k)).cloned().collect()
    };
    assert!(
        only(&a, &b).is_empty() && only(&b, &a).is_empty(),
        "{step}: files only in the incremental site {:?}, only in the clean one {:?}",
        only(&a, &b),
        only(&b, &a)
    );
    let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(
        differ.is_empty(),
        "{step}: the incremental build differs from a clean one in {differ:?}"
    );
}

/// A small deterministic generator (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == ext))
        .map(|e| e.into_path())
        .collect()
}

/// One random edit, as an editor (or something worse) might make it.
/// Returns what it did, for the failure message.
fn edit(root: &Path, rng: &mut Rng, step: usize, originals: &BTreeMap<PathBuf, Vec<u8>>) -> String {
    let records = files_under(&root.join("content"), "md");
    let pick = |rng: &mut Rng, v: &[PathBuf]| v[rng.below(v.len())].clone();
    let append = |path: &Path, text: &str| {
        let mut s = std::fs::read_to_string(path).unwrap();
        s.push_str(text);
        std::fs::write(path, s).unwrap();
    };
    let replace_once = |path: &Path, from: &str, to: &str| -> bool {
        let s = std::fs::read_to_string(path).unwrap();
        if !s.contains(from) {
            return false;
        }
        std::fs::write(path, s.replacen(from, to, 1)).unwrap();
        true
    };
    match rng.below(12) {
        11 => {
            // Someone damages the parsed-record store — its base or the
            // newer entries laid over it — or the search index's postings:
            // what is damaged must not be read.
            let names = [
                ".public.records",
                ".public.newer-records",
                ".public.search-postings",
            ];
            let name = names[rng.below(names.len())];
            let store = root.join(name);
            let Ok(mut bytes) = std::fs::read(&store) else {
                return format!("no {name} yet");
            };
            let at = bytes.len() / 2;
            bytes[at] ^= 0x20;
            std::fs::write(&store, bytes).unwrap();
            format!("damaged {}", store.display())
        }
        10 => {
            // A finding appears in one service (and goes when it is restored):
            // the checks kept from the last build must not hide it.
            let services = files_under(&root.join("content/services"), "md");
            let f = pick(rng, &services);
            append(&f, &format!("\nСемья в ТЖС, шаг {step}.\n"));
            format!("added a finding to {}", f.display())
        }
        0 => {
            let f = pick(rng, &records);
            append(&f, &format!("\nДополнение номер {step}.\n"));
            format!("added a sentence to {}", f.display())
        }
        1 => {
            // A name shows on other pages too: cards, lists, breadcrumbs.
            let f = pick(rng, &records);
            let renamed = replace_once(&f, "name = \"", &format!("name = \"{step} "));
            format!("renamed the record in {} ({renamed})", f.display())
        }
        2 => {
            let f = root.join("templates/base.html");
            let changed = replace_once(&f, "</body>", &format!("<!-- правка {step} --></body>"));
            format!("changed base.html ({changed})")
        }
        3 => {
            // A template no page of this portal may use: every page is
            // rendered again, none changes.
            let templates = files_under(&root.join("templates"), "html");
            let f = pick(rng, &templates);
            append(&f, &format!("{{# правка {step} #}}\n"));
            format!("added a comment to {}", f.display())
        }
        4 => {
            let css = files_under(&root.join("static"), "css");
            let f = pick(rng, &css);
            append(&f, &format!("\n/* {step} */\n"));
            format!("changed {}", f.display())
        }
        5 => {
            let f = root.join("templates/copy.toml");
            let changed = replace_once(
                &f,
                "title = \"Регионы",
                &format!("title = \"Регионы {step}"),
            );
            format!("changed copy.toml ({changed})")
        }
        6 => {
            // Back to how it was: the recycled site may hold exactly that.
            let edited: Vec<&PathBuf> = originals
                .keys()
                .filter(|p| std::fs::read(p).ok().as_ref() != originals.get(*p))
                .collect();
            if edited.is_empty() {
                return "nothing to restore".into();
            }
            let f = edited[rng.below(edited.len())];
            std::fs::write(f, &originals[f]).unwrap();
            format!("restored {}", f.display())
        }
        7 => {
            // The same bytes, a new modification time.
            let f = pick(rng, &records);
            let bytes = std::fs::read(&f).unwrap();
            std::fs::write(&f, bytes).unwrap();
            format!("rewrote {} unchanged", f.display())
        }
        8 => {
            // Someone changes a data file of the kept site — a page of a
            // list, which the next build would keep or copy pieces of —
            // keeping its size: it may be neither kept nor copied from.
            let lists = files_under(&root.join(".public.old/open-data/hsds"), "json");
            if lists.is_empty() {
                return "no kept site yet".into();
            }
            let data = pick(rng, &lists);
            let mut bytes = std::fs::read(&data).unwrap();
            let at = bytes.len() / 2;
            if let Some(b) = bytes[at..].iter_mut().find(|b| b.is_ascii_digit()) {
                *b = if *b == b'9' { b'0' } else { *b + 1 };
            }
            std::fs::write(&data, bytes).unwrap();
            format!("tampered with {}", data.display())
        }
        _ => {
            // Someone changes a page of the kept site behind opora's back,
            // keeping its size: it must not be published as it is.
            // Or one of the other files kept unread by the hash of their
            // bytes: the search export's.
            let kept = root.join(".public.old");
            let mut files = files_under(&kept, "html");
            files.extend(files_under(&kept.join("search"), "bin"));
            if files.is_empty() {
                return "no kept site yet".into();
            }
            let f = pick(rng, &files);
            let mut bytes = std::fs::read(&f).unwrap();
            match bytes.iter_mut().find(|b| b.is_ascii_lowercase()) {
                Some(b) => *b = b.to_ascii_uppercase(),
                None => {
                    let at = bytes.len() / 2;
                    bytes[at] ^= 0x01;
                }
            }
            std::fs::write(&f, bytes).unwrap();
            format!("tampered with {}", f.display())
        }
    }
}

/// What a build said about the portal's files: its diagnostics, before the
/// summary line (the output's own notes name its folders, and are left out).
fn findings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .take_while(|l| !l.starts_with("built "))
        .filter(|l| !l.contains("public"))
        .collect()
}

/// Kept pages, from the build's summary line.
fn kept(stdout: &str) -> usize {
    stdout
        .split("; ")
        .nth(1)
        .and_then(|rest| rest.split(" pages unchanged and kept").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn incremental_builds_publish_exactly_what_clean_builds_do_after_random_edits() {
    let portal = mini_portal();
    let root = portal.path();
    // The open data's lists in pages of one service, so that pages are kept, made
    // again and shifted by the edits.
    let config = root.join("opora.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str("\n[open_data]\nhsds_per_page = 1\n");
    std::fs::write(&config, settings).unwrap();
    let clean_dir = tempfile::tempdir().unwrap();
    let originals: BTreeMap<PathBuf, Vec<u8>> = ["content", "templates", "static"]
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(root.join(d)).into_iter().flatten())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    let mut rng = Rng(0x0A0B_0C0D_1234_5678);
    let mut kept_total = 0;
    let mut log = Vec::new();
    for step in 0..14 {
        let what = if step < 2 {
            "no change".to_string()
        } else {
            edit(root, &mut rng, step, &originals)
        };
        log.push(what.clone());
        // Files count as settled at once, so that the parsed-record store
        // (src/content/record_store.rs) is met by every edit.
        let incremental = common::opora_cmd()
            .env("OPORA_TEST_SETTLED", "1")
            .args(["--root", root.to_str().unwrap(), "build"])
            .output()
            .unwrap();
        let clean_out = clean_dir.path().join(format!("site-{step}"));
        let clean = opora(root, &["build", "--output", clean_out.to_str().unwrap()]);
        let history = log.join("; ");
        assert_eq!(
            incremental.status.success(),
            clean.status.success(),
            "after {history}: {} / {}",
            common::stderr(&incremental),
            common::stderr(&clean)
        );
        assert!(
            incremental.status.success(),
            "after {history}: {}",
            common::stderr(&incremental)
        );
        assert_eq!(
            findings(&common::stderr(&incremental)),
            findings(&common::stderr(&clean)),
            "after {history}"
        );
        assert_eq!(kept(&String::from_utf8_lossy(&clean.stdout)), 0);
        kept_total += kept(&String::from_utf8_lossy(&incremental.stdout));
        assert_same_site(&root.join("public"), &clean_out, &history);
        std::fs::remove_dir_all(&clean_out).unwrap();
    }
    // The property means something only if pages were in fact kept, and
    // records taken from the store.
    assert!(kept_total > 0, "no page was ever kept: {}", log.join("; "));
    let store = std::fs::metadata(root.join(".public.records")).map_or(0, |m| m.len());
    assert!(store > 10_000, "no record store was kept ({store} bytes)");
    let pages = files_under(&root.join("public/open-data/hsds"), "json");
    assert!(
        pages.iter().any(|p| p.ends_with("services-2.json")),
        "the open data was not paged: {pages:?}"
    );
    let postings = std::fs::metadata(root.join(".public.search-postings")).map_or(0, |m| m.len());
    assert!(
        postings > 1_000,
        "no search postings were kept ({postings} bytes)"
    );
}

#[test]
fn a_page_is_kept_only_while_its_inputs_and_its_file_are_unchanged() {
    let portal = mini_portal();
    let root = portal.path();
    let build = || {
        let out = opora(root, &["build"]);
        assert!(out.status.success(), "{}", common::stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = build();
    assert_eq!(kept(&first), 0, "{first}");
    // The second build writes into a fresh folder: nothing to keep yet.
    assert_eq!(kept(&build()), 0);
    let pages = files_under(&root.join("public"), "html").len();
    // The third recycles the first site, unchanged: every page is kept.
    assert_eq!(kept(&build()), pages);

    // A record's text changes: its page and the pages that list it are
    // rendered again, the others kept.
    let service = root.join("content/services/ru-mos/semya-i-dom.md");
    let text = std::fs::read_to_string(&service).unwrap();
    std::fs::write(
        &service,
        text.replace(
            "Семейный центр в Орехово-Зуеве.",
            "Семейный центр в Орехово-Зуеве, обновлено.",
        ),
    )
    .unwrap();
    let after_edit = kept(&build());
    assert!(
        after_edit > 0 && after_edit < pages,
        "{after_edit} of {pages}"
    );
    let page = std::fs::read_to_string(root.join("public/services/ru-mos/semya-i-dom/index.html"))
        .unwrap();
    assert!(
        page.contains("Орехово-Зуеве, обновлено"),
        "the edited page was not rendered again"
    );

    // A template every page uses: nothing is kept.
    let base = root.join("templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(&base, text.replace("</body>", "<!-- v2 --></body>")).unwrap();
    assert_eq!(kept(&build()), 0);
    assert!(
        std::fs::read_to_string(root.join("public/index.html"))
            .unwrap()
            .contains("<!-- v2 -->")
    );
}

/// A kept page is not read again: its links come from what the build that
/// wrote it noted (src/linkcheck/memo.rs). They must still be checked
/// against the site as it is now, exactly as a clean build checks them.
#[test]
fn a_kept_pages_links_are_checked_against_the_site_as_it_is_now() {
    let portal = mini_portal();
    let root = portal.path();
    let service = root.join("content/services/ru-mos/semya-i-dom.md");
    let with_heading = format!(
        "{}\n## Как связаться\n\nПо телефону.\n",
        std::fs::read_to_string(&service).unwrap()
    );
    let without_heading = std::fs::read_to_string(&service).unwrap();
    std::fs::write(&service, &with_heading).unwrap();
    let about = root.join("content/pages/about.md");
    let mut text = std::fs::read_to_string(&about).unwrap();
    text.push_str(
        "\n\nСм. [как связаться](/portal/services/ru-mos/semya-i-dom/#kak-svyazatsya).\n",
    );
    std::fs::write(&about, &text).unwrap();
    let clean_dir = tempfile::tempdir().unwrap();
    let both = |step: &str| {
        // Files count as settled at once, so that the parsed-record store
        // (src/content/record_store.rs) is met by every edit.
        let incremental = common::opora_cmd()
            .env("OPORA_TEST_SETTLED", "1")
            .args(["--root", root.to_str().unwrap(), "build"])
            .output()
            .unwrap();
        let clean_out = clean_dir.path().join(step);
        let clean = opora(root, &["build", "--output", clean_out.to_str().unwrap()]);
        assert_eq!(
            common::stderr(&incremental),
            common::stderr(&clean),
            "{step}: the incremental build says something else than a clean one"
        );
        assert_eq!(
            incremental.status.success(),
            clean.status.success(),
            "{step}"
        );
        incremental
    };
    for step in ["first", "second"] {
        assert!(both(step).status.success());
    }
    let all_kept = both("third");
    assert!(all_kept.status.success());
    let pages = files_under(&root.join("public"), "html").len();
    assert_eq!(kept(&String::from_utf8_lossy(&all_kept.stdout)), pages);

    // The heading goes: the service's page is rendered again, the about
    // page is kept, and its link now leads to an anchor that is not there.
    std::fs::write(&service, &without_heading).unwrap();
    let broken = both("heading gone");
    assert!(!broken.status.success());
    let said = common::stderr(&broken);
    assert!(
        said.contains("has no anchor `#kak-svyazatsya`") && said.contains("content/pages/about.md"),
        "{said}"
    );

    // Back again: the link is whole. The failed build's folder was set aside
    // with its record, so this one still keeps pages.
    std::fs::write(&service, &with_heading).unwrap();
    let whole = both("heading back");
    assert!(whole.status.success(), "{}", common::stderr(&whole));
    assert!(kept(&String::from_utf8_lossy(&whole.stdout)) > 0);
}

/// Builds the portal at `root` incrementally and, into a folder under
/// `clean_dir`, from scratch; both must succeed and publish the same site.
/// Returns how many pages the incremental build kept.
fn same_as_clean(root: &Path, clean_dir: &Path, step: &str) -> usize {
    let incremental = opora(root, &["build"]);
    assert!(
        incremental.status.success(),
        "{step}: {}",
        common::stderr(&incremental)
    );
    let clean_out = clean_dir.join("site");
    let clean = opora(root, &["build", "--output", clean_out.to_str().unwrap()]);
    assert!(clean.status.success(), "{step}: {}", common::stderr(&clean));
    assert_same_site(&root.join("public"), &clean_out, step);
    std::fs::remove_dir_all(&clean_out).unwrap();
    kept(&String::from_utf8_lossy(&incremental.stdout))
}

/// A record's name shows on other pages than its own — cards on the lists
/// of its region, municipalities and needs, breadcrumbs, related links —
/// and each of them must be rendered again when it changes. Every record is
/// renamed in turn; after each rename the incremental build must be exactly
/// the clean one.
#[test]
fn renaming_any_record_renders_again_every_page_that_shows_its_name() {
    let portal = mini_portal();
    let root = portal.path();
    let clean_dir = tempfile::tempdir().unwrap();
    let mut kept_total = 0;
    let mut both = |step: &str| kept_total += same_as_clean(root, clean_dir.path(), step);
    both("first build");
    both("second build");
    let mut renamed = 0;
    for (k, f) in files_under(&root.join("content"), "md").iter().enumerate() {
        let text = std::fs::read_to_string(f).unwrap();
        // The record's own name (or title) line, replaced whole: a plain
        // new name is also the everyday name its cards show.
        let Some(line) = text
            .lines()
            .find(|l| l.starts_with("name = \"") || l.starts_with("title = \""))
        else {
            continue;
        };
        let field = &line[..line.find('=').unwrap()];
        let new_name = format!("{field}= \"Служба номер {k}\"");
        std::fs::write(f, text.replacen(line, &new_name, 1)).unwrap();
        renamed += 1;
        both(&format!("renamed {}", f.display()));
    }
    assert!(renamed >= 8, "only {renamed} records renamed");
    assert!(kept_total > 0, "no page was ever kept");
}

/// The GeoJSON files and near-me shards are kept, like pages, while the
/// services they are made from are unchanged — and only while their file is
/// as the build that wrote it left it.
#[test]
fn a_kept_geo_file_is_made_again_when_its_services_or_its_file_changed() {
    let portal = mini_portal();
    let root = portal.path();
    let clean_dir = tempfile::tempdir().unwrap();
    let both = |step: &str| {
        same_as_clean(root, clean_dir.path(), step);
    };
    for step in ["first", "second", "third"] {
        both(step);
    }
    let geo = files_under(&root.join(".public.old/geo"), "json")
        .into_iter()
        .chain(files_under(&root.join(".public.old/geo"), "geojson"))
        .collect::<Vec<_>>();
    assert!(geo.len() > 2, "{geo:?}");
    // Every geo file of the site the next build recycles is changed behind
    // opora's back, keeping its size and its modification time.
    for f in &geo {
        let mtime = std::fs::metadata(f).unwrap().modified().unwrap();
        let mut bytes = std::fs::read(f).unwrap();
        if let Some(b) = bytes.iter_mut().find(|b| b.is_ascii_digit()) {
            *b = if *b == b'9' { b'0' } else { *b + 1 };
        }
        std::fs::write(f, bytes).unwrap();
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }
    both("geo files tampered with");
    // A service moves: its region's file, the whole country's and its
    // shards are made again.
    let service = root.join("content/services/ru-klu/kaluga-doverie.md");
    let text = std::fs::read_to_string(&service).unwrap();
    std::fs::write(&service, text.replace("lat = 54.5138", "lat = 54.6138")).unwrap();
    both("a service moved");
    both("after the move");
}

/// The recycled site is made ready while the content is loaded and checked;
/// when the content then fails, no file was written, and the folder goes
/// back with the record it came with: after the editor fixes the mistake,
/// every page is still kept, not rendered again.
#[test]
fn a_build_that_fails_on_its_content_leaves_the_recycled_site_keepable() {
    let portal = mini_portal();
    let root = portal.path();
    let build = || opora(root, &["build"]);
    for _ in 0..2 {
        assert!(build().status.success());
    }
    let pages = files_under(&root.join("public"), "html").len();
    let service = root.join("content/services/ru-mos/semya-i-dom.md");
    let text = std::fs::read_to_string(&service).unwrap();
    // Front matter that is not TOML: the build stops before writing anything.
    std::fs::write(&service, text.replacen("+++\n", "+++\nname = \n", 1)).unwrap();
    let failed = build();
    assert!(!failed.status.success());
    assert!(
        common::stderr(&failed).contains("semya-i-dom.md"),
        "{}",
        common::stderr(&failed)
    );
    std::fs::write(&service, &text).unwrap();
    let fixed = build();
    assert!(fixed.status.success(), "{}", common::stderr(&fixed));
    assert_eq!(kept(&String::from_utf8_lossy(&fixed.stdout)), pages);
}

/// A first build whose content fails leaves no empty folder behind to be
/// recycled: the build after the fix writes into a folder of its own.
#[test]
fn a_first_build_that_fails_on_its_content_leaves_no_folder_to_recycle() {
    let portal = mini_portal();
    let root = portal.path();
    let service = root.join("content/services/ru-mos/semya-i-dom.md");
    let text = std::fs::read_to_string(&service).unwrap();
    std::fs::write(&service, text.replacen("+++\n", "+++\nname = \n", 1)).unwrap();
    assert!(!opora(root, &["build"]).status.success());
    for left in [".public.staging", ".public.old", "public"] {
        assert!(!root.join(left).exists(), "{left} was left behind");
    }
    std::fs::write(&service, &text).unwrap();
    let fixed = opora(root, &["build"]);
    assert!(fixed.status.success(), "{}", common::stderr(&fixed));
    assert_eq!(kept(&String::from_utf8_lossy(&fixed.stdout)), 0);
}
