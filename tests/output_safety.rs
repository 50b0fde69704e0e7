//! The output mechanism never destroys an editor's files: unsafe outputs are
//! refused before anything is touched, links beside the output are never
//! followed, a kill at any moment leaves a complete site with its search index,
//! concurrent builds take turns, and a spare folder that cannot be reused is
//! moved aside instead of failing every later build.
//!
//! Commands run the way the README shows them: from the portal folder, with
//! relative paths.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A mini portal at `<tmp>/portal`, so tests can watch its parent folder too.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let w = tempfile::tempdir().unwrap();
    let mini = mini_portal();
    let portal = w.path().join("portal");
    copy_dir(mini.path(), &portal);
    (w, portal)
}

/// `opora ARGS` run inside `cwd`, as an editor types it.
fn opora_in(cwd: &Path, args: &[&str]) -> Output {
    command_in(cwd, args).output().expect("run opora")
}

fn command_in(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = opora_cmd();
    cmd.current_dir(cwd).args(args);
    cmd
}

fn build_ok(portal: &Path) -> String {
    let o = opora_in(portal, &["build"]);
    assert!(o.status.success(), "build must succeed:\n{}", stderr(&o));
    stderr(&o)
}

/// Every entry under `dir` — folders, files with their bytes, links with their
/// targets — so any change at all shows up in a comparison.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap()
            .display()
            .to_string();
        let t = entry.file_type();
        let what = if t.is_symlink() {
            format!(
                "link -> {}",
                std::fs::read_link(entry.path()).unwrap().display()
            )
        } else if t.is_dir() {
            "folder".to_string()
        } else {
            format!("{:?}", std::fs::read(entry.path()).unwrap())
        };
        out.push((rel, what));
    }
    out
}

#[cfg(unix)]
fn symlink(to: &Path, at: &Path) {
    std::os::unix::fs::symlink(to, at).unwrap();
}

// ---------------------------------------------------------------- item 5

#[test]
fn outputs_that_are_hold_or_lie_inside_the_portal_sources_are_refused_before_anything_changes() {
    let (w, portal) = workspace();
    let outside = w.path();
    std::fs::create_dir_all(portal.join(".git")).unwrap();
    std::fs::write(portal.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::create_dir_all(outside.join("notes")).unwrap();
    std::fs::write(outside.join("notes/plan.txt"), "an editor's file").unwrap();
    std::fs::write(outside.join("file.txt"), "a file").unwrap();
    #[cfg(unix)]
    {
        symlink(&portal.join("content"), &outside.join("link-to-content"));
        symlink(&portal.join("static"), &portal.join("site"));
        symlink(outside, &outside.join("link-to-here"));
    }
    let pwd = portal.display().to_string();
    let abs_content = portal.join("content").display().to_string();
    let mut cases: Vec<(String, &str)> = vec![
        (pwd.clone(), "it is the portal folder itself"),
        (".".into(), "it is the portal folder itself"),
        (format!("{pwd}/"), "it is the portal folder itself"),
        ("content".into(), "it is the portal's content folder"),
        ("data".into(), "it is the portal's data folder"),
        ("templates".into(), "it is the portal's templates folder"),
        ("static".into(), "it is the portal's static files folder"),
        ("opora.toml".into(), "it is the portal's settings file"),
        (".git".into(), "it is the portal's git history"),
        (abs_content.clone(), "it is the portal's content folder"),
        ("./content/".into(), "it is the portal's content folder"),
        (
            "content/services".into(),
            "lies inside the portal's content folder",
        ),
        (
            "static/new/deeper".into(),
            "lies inside the portal's static files folder",
        ),
        (
            "../portal/data/x/../y".into(),
            "lies inside the portal's data folder",
        ),
        (
            "public/../templates".into(),
            "it is the portal's templates folder",
        ),
        ("..".into(), "it contains the portal folder"),
        ("../..".into(), "it contains the portal folder"),
        ("/".into(), "root of the file system"),
        (".public.old".into(), "working folders opora keeps"),
        (
            "../notes".into(),
            "already holds files that opora did not write",
        ),
        ("../file.txt".into(), "it is a file"),
    ];
    #[cfg(unix)]
    cases.extend([
        (
            "../link-to-content".to_string(),
            "it is the portal's content folder",
        ),
        (
            "../link-to-content/new".into(),
            "lies inside the portal's content folder",
        ),
        ("site".into(), "it is the portal's static files folder"),
        (
            "site/sub".into(),
            "lies inside the portal's static files folder",
        ),
        (
            "../link-to-here/portal/data".into(),
            "it is the portal's data folder",
        ),
    ]);
    let before = tree(outside);
    for (output, expected) in &cases {
        let o = opora_in(&portal, &["build", "--output", output]);
        let err = stderr(&o);
        assert!(
            !o.status.success(),
            "--output {output} must be refused:\n{err}"
        );
        assert!(
            err.contains("refusing to build into") && err.contains(expected),
            "--output {output}: expected `{expected}` in:\n{err}"
        );
        assert!(
            err.contains("= hint:"),
            "--output {output} needs a hint:\n{err}"
        );
        assert_eq!(tree(outside), before, "--output {output} changed files");
    }
    // The same refusal with --root, from elsewhere, absolute.
    let o = opora_cmd()
        .current_dir(outside)
        .args(["--root", "portal", "build", "--output", &abs_content])
        .output()
        .unwrap();
    assert!(!o.status.success() && stderr(&o).contains("content folder"));
    assert_eq!(tree(outside), before);

    // Outputs of their own are fine: the default, a relative folder outside
    // the portal, and an empty existing folder.
    build_ok(&portal);
    std::fs::create_dir_all(outside.join("empty")).unwrap();
    for output in ["../site", "../empty", "public"] {
        let o = opora_in(&portal, &["build", "--output", output]);
        assert!(o.status.success(), "--output {output}: {}", stderr(&o));
    }
    assert!(outside.join("site/index.html").is_file());
    assert!(outside.join("empty/index.html").is_file());
    assert_eq!(
        std::fs::read_to_string(outside.join("notes/plan.txt")).unwrap(),
        "an editor's file"
    );
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_symbolic_link_is_refused() {
    let (w, portal) = workspace();
    std::fs::create_dir_all(w.path().join("www")).unwrap();
    symlink(&w.path().join("www"), &portal.join("public"));
    let o = opora_in(&portal, &["build"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("it is a symbolic link"), "{err}");
    assert!(err.contains("must be a real folder"), "{err}");
    assert!(
        std::fs::symlink_metadata(portal.join("public"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

// ---------------------------------------------------------------- item 6

#[cfg(unix)]
#[test]
fn links_at_the_staging_spare_index_and_lock_names_never_lead_into_content() {
    let (_w, portal) = workspace();
    build_ok(&portal);
    build_ok(&portal);
    let content = portal.join("content");
    let content_before = tree(&content);
    let live = std::fs::read_dir(&portal)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(".public.index-"))
        .expect("a live search index beside public/");
    let names = [
        ".public.staging",
        ".public.old",
        ".public.index.new",
        ".public.lock",
        ".public.index",
        ".public.index-00000000deadbeef",
        ".public.search-files",
        live.as_str(),
    ];
    for name in names {
        let at = portal.join(name);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&at).unwrap(),
            Ok(_) => std::fs::remove_file(&at).unwrap(),
            Err(_) => {}
        }
        symlink(&content, &at);
        let err = build_ok(&portal);
        assert_eq!(
            tree(&content),
            content_before,
            "a link at {name} changed content/"
        );
        assert!(
            err.contains("removed the symbolic link") && err.contains(name),
            "the link at {name} must be reported:\n{err}"
        );
        assert!(
            !std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()),
            "{name} is still a link"
        );
        assert!(portal.join("public/index.html").is_file());
        let o = opora_in(&portal, &["search", "семья"]);
        assert!(
            o.status.success(),
            "search after a link at {name}: {}",
            stderr(&o)
        );
    }
}

// ---------------------------------------------------------------- item 7

const NEW_WORD: &str = "Зюзюкабра";

/// Flips the about page between a version with [`NEW_WORD`] and one without.
fn edit_about(portal: &Path, with_word: bool) {
    let path = portal.join("content/pages/about.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let base = text.split("\n\nСлово:").next().unwrap().to_string();
    let text = if with_word {
        format!("{base}\n\nСлово: {NEW_WORD}.\n")
    } else {
        base
    };
    std::fs::write(path, text).unwrap();
}

/// Whether the published about page has the word, and whether `opora search`
/// finds it; a site and its index must always agree.
fn site_and_search(portal: &Path) -> (bool, bool) {
    let page = std::fs::read_to_string(portal.join("public/about/index.html"))
        .expect("public/about/index.html must exist at every moment");
    let o = opora_in(portal, &["search", NEW_WORD, "--json"]);
    assert!(o.status.success(), "opora search must work: {}", stderr(&o));
    let answer: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found = answer["results"]
        .as_array()
        .expect("`opora search --json` answers {\"results\": [...]}")
        .iter()
        .any(|h| h["url"].as_str().is_some_and(|u| u.contains("about")));
    (page.contains(NEW_WORD), found)
}

/// The native index folders beside `public/` (`.public.index-<key>`).
fn index_folders(portal: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(portal)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".public.index-")
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// The names of the entries of `dir` (links followed).
fn names_in(dir: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
#[test]
fn the_native_index_shares_the_sites_search_files_and_later_builds_never_change_them() {
    use std::os::unix::fs::MetadataExt;
    let (_w, portal) = workspace();
    let store = portal.join(".public.search-files/search");
    edit_about(&portal, false);
    build_ok(&portal);
    let first = index_folders(&portal);
    assert_eq!(first.len(), 1, "one index after one build: {first:?}");
    let first = first[0].clone();
    // The index reads its files from the folder all indexes share.
    assert_eq!(
        std::fs::read_link(first.join("search")).unwrap(),
        Path::new("../.public.search-files/search"),
    );
    // The export is written once: the index's files are the site's files.
    let mut shared = 0;
    for entry in std::fs::read_dir(first.join("search")).unwrap().flatten() {
        let in_site = portal.join("public/search").join(entry.file_name());
        let site = std::fs::metadata(&in_site).unwrap();
        assert_eq!(
            entry.metadata().unwrap().ino(),
            site.ino(),
            "{} is a copy, not the site's file",
            entry.path().display()
        );
        shared += 1;
    }
    assert!(shared > 3, "the index holds the export: {shared} files");
    // What the first index reads, byte for byte.
    let before: Vec<(String, Vec<u8>)> = names_in(&first.join("search"))
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(first.join("search").join(&name)).unwrap();
            (name, bytes)
        })
        .collect();
    let unchanged = || {
        for (name, bytes) in &before {
            assert_eq!(
                std::fs::read(first.join("search").join(name)).ok().as_ref(),
                Some(bytes),
                "a later build changed {name} of the earlier index"
            );
        }
    };
    // Two more builds with new search content: the second recycles the very
    // folder whose files the first index shares.
    edit_about(&portal, true);
    build_ok(&portal);
    assert_eq!(site_and_search(&portal), (true, true));
    if first.exists() {
        unchanged();
    }
    edit_about(&portal, false);
    build_ok(&portal);
    assert_eq!(site_and_search(&portal), (false, false));
    // The same search content as the first build: its index is live again.
    unchanged();
    edit_about(&portal, true);
    // A file no site names, and one a killed build left half-written.
    std::fs::write(store.join("f-00.0000000000000000.bin"), "stray").unwrap();
    std::fs::write(store.join("f-01.0000000000000000.bin.partial"), "half").unwrap();
    build_ok(&portal);
    assert_eq!(site_and_search(&portal), (true, true));
    // No index is left behind but the live one and the one it replaced, and
    // the shared folder holds the search files their two sites name, nothing
    // else (the search page, and the fixed-name manifest, which native
    // queries never read, aside).
    assert!(index_folders(&portal).len() <= 2);
    let mut named = names_in(&portal.join("public/search"));
    named.extend(names_in(&portal.join(".public.old/search")));
    named.remove("index.html");
    named.remove("manifest.bin");
    assert_eq!(names_in(&store), named);
    // Search turned off: the first site without it keeps the files its
    // spare names (cleared after the swap, as no export was saved), and the
    // second, whose spare has none either, lets the folder go.
    let config = portal.join("opora.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[search]\ndisabled = true\n")).unwrap();
    build_ok(&portal);
    let left: Vec<String> = names_in(&portal.join("public/search"))
        .into_iter()
        .collect();
    assert_eq!(left, ["index.html"], "the search page alone, no export");
    let mut named = names_in(&portal.join(".public.old/search"));
    named.remove("index.html");
    named.remove("manifest.bin");
    assert!(!named.is_empty());
    assert_eq!(names_in(&store), named);
    build_ok(&portal);
    assert!(!portal.join(".public.search-files").exists());
}

/// The shared search files are trusted by their names, so their folder must
/// be this user's alone: a link inside it is never followed, and a folder
/// others may write to is moved aside and named.
#[cfg(unix)]
#[test]
fn a_shared_search_folder_that_others_could_fill_is_never_used() {
    use std::os::unix::fs::PermissionsExt;
    let (_w, portal) = workspace();
    build_ok(&portal);
    let files = portal.join(".public.search-files");
    let content = portal.join("content");
    edit_about(&portal, true);
    let content_before = tree(&content);
    // A link to the portal's content where the files go.
    std::fs::remove_dir_all(files.join("search")).unwrap();
    symlink(&content, &files.join("search"));
    let err = build_ok(&portal);
    assert_eq!(
        tree(&content),
        content_before,
        "files went through the link:
{err}"
    );
    assert!(err.contains("cannot add search files to"), "{err}");
    assert!(files.join("search").symlink_metadata().unwrap().is_dir());
    assert_eq!(site_and_search(&portal), (true, true));
    // A folder anyone may write to.
    std::fs::set_permissions(&files, std::fs::Permissions::from_mode(0o777)).unwrap();
    edit_about(&portal, false);
    let err = build_ok(&portal);
    assert!(
        err.contains("cannot add search files to") && err.contains(".public.unusable-"),
        "{err}"
    );
    let mode = files.metadata().unwrap().permissions().mode();
    assert_eq!(mode & 0o022, 0, "the new folder is {mode:o}");
    assert_eq!(site_and_search(&portal), (false, false));
}

#[cfg(unix)]
fn killed(o: &Output) -> bool {
    std::os::unix::process::ExitStatusExt::signal(&o.status) == Some(9)
}

#[cfg(unix)]
#[test]
fn a_kill_at_any_publishing_step_leaves_a_complete_site_and_its_search_index() {
    // Steps before the swap leave the old site; from the swap on, the new one.
    let steps = [
        ("claimed", false),
        ("index-ready", false),
        ("staged", false),
        ("swapped", true),
        ("spared", true),
        ("published", true),
    ];
    for (step, new_site) in steps {
        let (_w, portal) = workspace();
        build_ok(&portal);
        build_ok(&portal);
        assert_eq!(site_and_search(&portal), (false, false));
        edit_about(&portal, true);
        let o = command_in(&portal, &["build"])
            .env("OPORA_TEST_KILL_AT", step)
            .output()
            .unwrap();
        assert!(
            killed(&o),
            "the build must be killed at {step}: {}",
            stderr(&o)
        );
        assert_eq!(
            site_and_search(&portal),
            (new_site, new_site),
            "after a kill at {step}"
        );
        // The next build finishes the job.
        build_ok(&portal);
        assert_eq!(
            site_and_search(&portal),
            (true, true),
            "after {step}, rebuilt"
        );
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_portable_swap_is_completed_by_the_next_build_even_a_failing_one() {
    // Where the OS cannot exchange two folders, the swap is two renames; a
    // kill between them leaves no public/ until the next build.
    let (_w, portal) = workspace();
    build_ok(&portal);
    build_ok(&portal);
    edit_about(&portal, true);
    let o = command_in(&portal, &["build"])
        .env("OPORA_TEST_PORTABLE_SWAP", "1")
        .env("OPORA_TEST_KILL_AT", "portable-moved-out")
        .output()
        .unwrap();
    assert!(killed(&o), "{}", stderr(&o));
    assert!(
        !portal.join("public").exists(),
        "the portable swap's window"
    );
    // A build that fails on bad content still puts the finished site back.
    std::fs::write(
        portal.join("content/pages/broken.md"),
        "+++\ntitle = \n+++\n",
    )
    .unwrap();
    let o = opora_in(&portal, &["build"]);
    assert!(!o.status.success());
    assert_eq!(site_and_search(&portal), (true, true));
    std::fs::remove_file(portal.join("content/pages/broken.md")).unwrap();
    // Every other step of the portable swap keeps a site in place.
    for step in ["portable-marked", "swapped"] {
        edit_about(&portal, step == "swapped");
        let o = command_in(&portal, &["build"])
            .env("OPORA_TEST_PORTABLE_SWAP", "1")
            .env("OPORA_TEST_KILL_AT", step)
            .output()
            .unwrap();
        assert!(killed(&o), "{step}: {}", stderr(&o));
        let (site, search) = site_and_search(&portal);
        assert_eq!(site, search, "after a kill at {step}");
        build_ok(&portal);
    }
    assert_eq!(site_and_search(&portal), (true, true));
    assert!(!portal.join(".public.swap").exists());
}

#[cfg(unix)]
#[test]
fn kill_9_at_any_moment_of_a_build_leaves_a_site_that_matches_its_search_index() {
    let (_w, portal) = workspace();
    build_ok(&portal);
    let t = Instant::now();
    build_ok(&portal);
    let took = t.elapsed();
    for round in 0..12u32 {
        edit_about(&portal, round % 2 == 0);
        let mut child = command_in(&portal, &["build"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over a whole build (and a little past it).
        std::thread::sleep(took.mul_f64(f64::from(round) / 10.0));
        let _ = child.kill();
        let _ = child.wait();
        let (site, search) = site_and_search(&portal);
        assert_eq!(
            site, search,
            "round {round}: site and search index disagree"
        );
    }
    build_ok(&portal);
    assert_eq!(site_and_search(&portal), (false, false));
}

// ---------------------------------------------------------------- item 8

#[test]
fn concurrent_builds_of_one_output_take_turns_and_all_succeed() {
    let (_w, portal) = workspace();
    for round in 0..10 {
        edit_about(&portal, round % 2 == 1);
        let children: Vec<_> = (0..3)
            .map(|_| {
                command_in(&portal, &["build"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            let err = stderr(&o);
            assert!(o.status.success(), "round {round}: a build failed:\n{err}");
            for bad in ["Directory not empty", "No such file", "ENOTEMPTY", "ENOENT"] {
                assert!(!err.contains(bad), "round {round}: {err}");
            }
        }
        let expected = round % 2 == 1;
        assert_eq!(
            site_and_search(&portal),
            (expected, expected),
            "round {round}"
        );
    }
}

#[test]
fn a_build_waits_while_another_holds_the_output_and_says_so() {
    use std::io::BufRead;
    let (_w, portal) = workspace();
    let lock = std::fs::File::create(portal.join(".public.lock")).unwrap();
    lock.lock().unwrap();
    let mut child = command_in(&portal, &["build"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the waiting build must say why it waits");
        if line.contains("another build is running") {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it must wait, not fail"
    );
    assert!(!portal.join("public").exists());
    drop(lock);
    let status = child.wait().unwrap();
    let err = reader.join().unwrap();
    assert!(status.success(), "{err}");
    assert!(portal.join("public/index.html").is_file());
}

/// Files a build made that the content no longer has — a page, a service's
/// page and the near-me shard only it filled — must not survive into a later
/// site, even when that build recycles the folder of the site that had them
/// (files are written as they are made and the rest pruned at the end).
#[test]
fn files_gone_from_the_content_do_not_survive_into_later_builds() {
    let (w, portal) = workspace();
    let service = portal.join("content/services/ru-klu/obninsk-vremennyj.md");
    let page = portal.join("content/pages/vremennaya.md");
    let doverie =
        std::fs::read_to_string(portal.join("content/services/ru-klu/kaluga-doverie.md")).unwrap();
    let temporary = doverie
        .replace("«Доверие»\"", "«Доверие», отделение в Обнинске\"")
        .replace("Калуга", "Обнинск")
        .replace(
            "{ lat = 54.5138, lon = 36.2612",
            "{ lat = 55.0968, lon = 36.6101",
        );
    std::fs::write(&service, temporary).unwrap();
    std::fs::write(&page, "+++\ntitle = \"Временная\"\n+++\nСкоро уйдёт.\n").unwrap();
    build_ok(&portal);
    let public = portal.join("public");
    let shard = "geo/near/55_36.json";
    assert!(public.join(shard).is_file(), "the Obninsk cell has a shard");
    assert!(public.join("vremennaya/index.html").is_file());
    let service_pages = |dir: &Path| -> Vec<String> {
        walkdir::WalkDir::new(dir.join("services/ru-klu"))
            .min_depth(1)
            .max_depth(1)
            .into_iter()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("obninsk") || n.contains("obninske"))
            .collect()
    };
    assert!(!service_pages(&public).is_empty());

    std::fs::remove_file(&service).unwrap();
    std::fs::remove_file(&page).unwrap();
    // The second build writes into a fresh folder; the third recycles the
    // first site's folder, which has every file now gone.
    for _ in 0..2 {
        build_ok(&portal);
        assert!(!public.join(shard).exists());
        assert!(!public.join("vremennaya").exists());
        assert_eq!(service_pages(&public), Vec::<String>::new());
    }
    let o = opora_in(&portal, &["build", "--output", "../fresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        tree(&public) == tree(&w.path().join("fresh")),
        "a recycled site must hold exactly what a fresh build of the same content does"
    );
}

// ---------------------------------------------------------------- item 9

#[test]
fn a_spare_that_is_not_a_folder_is_moved_aside_named_and_builds_go_on() {
    let (_w, portal) = workspace();
    build_ok(&portal);
    std::fs::write(portal.join(".public.old"), "not a folder").unwrap();
    let err = build_ok(&portal);
    let spare = portal.canonicalize().unwrap().join(".public.old");
    let aside = portal.canonicalize().unwrap().join(".public.unusable-1");
    assert!(
        err.contains(&spare.display().to_string()) && err.contains(&aside.display().to_string()),
        "the warning must name both real paths:\n{err}"
    );
    assert_eq!(std::fs::read_to_string(&aside).unwrap(), "not a folder");
    for _ in 0..2 {
        let err = build_ok(&portal);
        assert!(!err.contains("moved it to"), "{err}");
    }
    assert!(portal.join("public/index.html").is_file());
}

/// The situation of the issue: an earlier `sudo opora build` left a spare
/// owned by root. As root, the build runs as `nobody` to meet it for real;
/// as any other user, the spare is made read-only, which stops that user the
/// same way.
#[cfg(unix)]
#[test]
fn a_spare_left_by_another_user_is_moved_aside_named_and_builds_go_on() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let (w, portal) = workspace();
    build_ok(&portal);
    build_ok(&portal);
    let portal = portal.canonicalize().unwrap();
    let spare = portal.join(".public.old");
    let as_root = rustix::process::geteuid().is_root();
    let mode = |path: &Path, m: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap()
    };
    let folders_of = |dir: &Path| -> Vec<PathBuf> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_dir())
            .map(|e| e.into_path())
            .collect()
    };
    const NOBODY: u32 = 65534;
    if as_root {
        // Everything the editor owns becomes nobody's; what the root build
        // left beside public/ stays root's.
        mode(w.path(), 0o755);
        let roots_own = |p: &Path| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".public") || n == "public")
        };
        std::os::unix::fs::chown(&portal, Some(NOBODY), Some(NOBODY)).unwrap();
        for entry in std::fs::read_dir(&portal).unwrap().flatten() {
            if !roots_own(&entry.path()) {
                for e in walkdir::WalkDir::new(entry.path()).into_iter().flatten() {
                    std::os::unix::fs::lchown(e.path(), Some(NOBODY), Some(NOBODY)).unwrap();
                }
            }
        }
    } else {
        for dir in folders_of(&spare) {
            mode(&dir, 0o555);
        }
    }
    let mut edits = 0;
    let mut build = || {
        // An edit, so the build has pages to rewrite in the recycled folder.
        edits += 1;
        edit_about(&portal, edits % 2 == 1);
        let mut cmd = command_in(&portal, &["build"]);
        if as_root {
            cmd.uid(NOBODY).gid(NOBODY);
        }
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "the build must go on with a fresh folder:\n{}",
            stderr(&o)
        );
        stderr(&o)
    };
    let err = build();
    let aside = portal.join(".public.unusable-1");
    assert!(
        err.contains(&spare.display().to_string()) && err.contains(&aside.display().to_string()),
        "the warning must name the real paths:\n{err}"
    );
    assert!(err.contains("another user"), "{err}");
    assert!(aside.is_dir());
    if as_root {
        // So is the folder of search files the root builds left.
        let files = portal.join(".public.search-files");
        assert!(
            err.contains(&format!("cannot add search files to {}", files.display())),
            "{err}"
        );
    }
    // Later builds go on: as nobody, the root-owned site just replaced is set
    // aside once more; after that the spare is the builder's own.
    build();
    let err = build();
    assert!(!err.contains("moved it to"), "{err}");
    assert!(portal.join("public/index.html").is_file());
    let o = opora_in(&portal, &["search", "семья"]);
    assert!(o.status.success(), "{}", stderr(&o));
    if !as_root {
        for dir in folders_of(&aside) {
            mode(&dir, 0o755);
        }
    }
}
