//! A real browser (headless Chromium, Debian's `chromium` package) opens the
//! built portal from a local server: search works, and no page asks any host
//! but the local one for anything. Every request is recorded with Chromium's
//! NetLog; requests a page initiated carry the page's origin, which tells them
//! apart from the browser's own housekeeping traffic.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A minimal static file server for the built site, on a free loopback port.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let mut stream = stream;
                match opora::serve::files::resolve(&root, &target).filter(|p| p.is_file()) {
                    Some(p) => {
                        let body = std::fs::read(&p).unwrap();
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            opora::serve::files::content_type(&p),
                            body.len()
                        );
                        let _ = stream.write_all(&body);
                    }
                    None => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                    }
                }
            });
        }
    });
    port
}

/// Loads `url` in headless Chromium; returns the DOM after scripts ran and the
/// URLs the page itself requested.
fn visit(url: &str, scratch: &Path) -> (String, Vec<String>) {
    let profile = tempfile::tempdir_in(scratch).unwrap();
    let netlog = profile.path().join("netlog.json");
    let o = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--virtual-time-budget=10000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(url)
        .output()
        .expect("Chromium must be installed for the browser tests (Debian package `chromium`; scripts/test.sh installs it)");
    assert!(
        o.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&netlog).unwrap()).unwrap();
    let mut requested = Vec::new();
    for e in log["events"].as_array().unwrap() {
        let p = &e["params"];
        if let (Some(u), Some(init)) = (p["url"].as_str(), p["initiator"].as_str())
            && init != "not an origin"
        {
            requested.push(u.to_string());
        }
    }
    (String::from_utf8_lossy(&o.stdout).into_owned(), requested)
}

/// [`visit`], again up to three times until `done` holds: under load,
/// headless Chromium's virtual clock can run out while the wasm module compiles.
fn visit_until(url: &str, scratch: &Path, done: impl Fn(&str) -> bool) -> (String, Vec<String>) {
    let mut last = visit(url, scratch);
    for _ in 0..2 {
        if done(&last.0) {
            break;
        }
        last = visit(url, scratch);
    }
    last
}

#[test]
fn search_works_in_a_real_browser_and_nothing_leaves_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let o = opora(&repo(), &["build", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let port = serve(out);
    let origin = format!("http://127.0.0.1:{port}/");

    let (dom, requested) = visit(
        &format!("{origin}search/?q=%D0%A1%D0%BD%D0%B5%D0%B3%D0%B8%D1%80%D0%B8"),
        dir.path(),
    );
    assert!(
        dom.contains("href=\"/services/ru-nvs/nsk-snegiri/\" class=\"result-title\""),
        "the search for «Снегири» shows the centre:\n{}",
        &dom[dom.find("<main").unwrap_or(0)..]
            .chars()
            .take(2000)
            .collect::<String>()
    );
    assert!(
        dom.contains("<mark>Снегири</mark>"),
        "matched words are highlighted"
    );
    assert!(
        requested.iter().any(|u| u.ends_with(".wasm")),
        "the wasm module was fetched: {requested:?}"
    );

    // Facet filters from the address: the need and audience selects are
    // filled from the manifest and narrow the results.
    let has_results = |dom: &str| dom.contains("class=\"result-title\"");
    let (filtered, more) = visit_until(
        &format!(
            "{origin}search/?q=%D0%BF%D0%BE%D0%BC%D0%BE%D1%89%D1%8C&need=crisis&audience=family"
        ),
        dir.path(),
        has_results,
    );
    assert!(
        filtered.contains("<option value=\"crisis\">")
            && filtered.contains("<option value=\"family\">"),
        "need and audience filters are offered"
    );
    let (unfiltered, _) = visit_until(
        &format!("{origin}search/?q=%D0%BF%D0%BE%D0%BC%D0%BE%D1%89%D1%8C"),
        dir.path(),
        has_results,
    );
    // The result lists (links in order) must differ: the filter changed what is shown.
    let results = |dom: &str| -> Vec<String> {
        dom.match_indices("\" class=\"result-title\"")
            .map(|(i, _)| dom[..i].rsplit("href=\"").next().unwrap_or("").to_string())
            .collect()
    };
    let (shown, all_results) = (results(&filtered), results(&unfiltered));
    assert!(
        !shown.is_empty() && shown != all_results,
        "filters narrow «помощь»: {shown:?} vs {all_results:?}"
    );

    // Live search keeps the query in the address (history.replaceState), so
    // Back and sharing work: a copy of the search page types and then shows
    // its own address.
    let search_page = std::fs::read_to_string(dir.path().join("public/search/index.html")).unwrap();
    std::fs::write(
        dir.path().join("public/search-typing.js"),
        "addEventListener('load', function () { var i = document.getElementById('search-q'); i.focus(); i.value = 'Снегири'; i.dispatchEvent(new Event('input')); var t = setInterval(function () { if (!document.querySelector('.result-title')) return; clearInterval(t); var p = document.createElement('p'); p.id = 'address-now'; p.textContent = decodeURIComponent(location.search); document.body.appendChild(p); }, 100); });",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("public/search/typing.html"),
        search_page.replace(
            "</body>",
            "<script src=\"/search-typing.js\"></script></body>",
        ),
    )
    .unwrap();
    let (typed_page, more_page) =
        visit_until(&format!("{origin}search/typing.html"), dir.path(), |d| {
            d.contains("id=\"address-now\">?q=Снегири<")
        });
    assert!(
        typed_page.contains("id=\"address-now\">?q=Снегири<"),
        "the typed query is in the address"
    );
    assert!(
        typed_page.contains("nsk-snegiri"),
        "and its results are shown"
    );

    // A place in the query: the page says which place comes first and
    // offers to search the whole country.
    let (placed, more_placed) = visit_until(
        &format!(
            "{origin}search/?q={}",
            "психолог в Калуге"
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        ),
        dir.path(),
        has_results,
    );
    assert!(
        placed.contains("Сначала — Калуга (Калужская область).")
            && placed.contains("Искать по всей стране"),
        "the place understood is shown with a way to drop it"
    );
    assert!(
        results(&placed)
            .first()
            .is_some_and(|u| u == "/services/ru-klu/kaluga-doverie/"),
        "{:?}",
        results(&placed)
    );

    // Results come ten at a time, and a full page says only that it shows
    // the first ten: "Показать ещё" adds ten more and moves focus to the
    // first new one. A copy of the search page clicks it once.
    std::fs::write(
        dir.path().join("public/search-more.js"),
        "addEventListener('load', function () { var t = setInterval(function () { var b = document.querySelector('.more-results'); if (!b || b.hidden || document.querySelectorAll('.result-title').length !== 10) return; clearInterval(t); var before = document.getElementById('search-status').textContent; b.click(); var u = setInterval(function () { var n = document.querySelectorAll('.result-title').length; if (n <= 10) return; clearInterval(u); var p = document.createElement('p'); p.id = 'more-shown'; p.textContent = before + '|' + n + '|' + (document.activeElement === document.querySelectorAll('.result-title')[10]); document.body.appendChild(p); }, 100); }, 100); });",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("public/search/more.html"),
        search_page.replace(
            "</body>",
            "<script src=\"/search-more.js\"></script></body>",
        ),
    )
    .unwrap();
    let (paged, more_paged) = visit_until(
        &format!("{origin}search/more.html?q=%D0%BF%D0%BE%D0%BC%D0%BE%D1%89%D1%8C"),
        dir.path(),
        |d| d.contains("id=\"more-shown\""),
    );
    let shown = paged
        .split("id=\"more-shown\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_string();
    let parts: Vec<&str> = shown.split('|').collect();
    assert_eq!(parts.len(), 3, "«Показать ещё» was clicked: {shown:?}");
    assert!(
        parts[0].starts_with("Показаны первые 10 результатов."),
        "a full page does not claim a total: {shown:?}"
    );
    assert!(
        parts[1].parse::<usize>().is_ok_and(|n| n > 10 && n <= 20),
        "ten more at most: {shown:?}"
    );
    assert_eq!(parts[2], "true", "focus moves to the first new result");

    // The header box suggests results as the reader types: a test page (a
    // copy of the home page plus a script that types) shows them.
    let home = std::fs::read_to_string(dir.path().join("public/index.html")).unwrap();
    std::fs::write(
        dir.path().join("public/header-typing.js"),
        "addEventListener('load', function () { var i = document.getElementById('q'); i.focus(); i.value = 'Снегири'; i.dispatchEvent(new Event('input')); });",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("public/header-test.html"),
        home.replace(
            "</body>",
            "<script src=\"/header-typing.js\"></script></body>",
        ),
    )
    .unwrap();
    let (typed, more_typed) = visit_until(&format!("{origin}header-test.html"), dir.path(), |d| {
        d.contains("nsk-snegiri")
    });
    let suggestions = typed
        .split("id=\"search-suggest\"")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap_or_default()
        .to_string();
    assert!(
        suggestions.contains("href=\"/services/ru-nvs/nsk-snegiri/\""),
        "the header box suggests the centre: {suggestions}"
    );

    let mut all = requested;
    all.extend(more);
    all.extend(more_typed);
    all.extend(more_page);
    all.extend(more_placed);
    all.extend(more_paged);
    for page in [
        "",
        "regions/ru-mos/",
        "services/ru-klu/kaluga-doverie/",
        "practices/kaluga-soprovozhdenie/",
        "routes/rebenok-v-semeynom-tsentre/",
        "programmes/komanda-0-4/",
    ] {
        let (dom, requested) = visit(&format!("{origin}{page}"), dir.path());
        assert!(dom.contains("</main>"), "{page} rendered");
        all.extend(requested);
    }
    assert!(all.len() > 10, "the pages fetched their assets: {all:?}");
    let foreign: Vec<&String> = all.iter().filter(|u| !u.starts_with(&origin)).collect();
    assert!(foreign.is_empty(), "requests to other hosts: {foreign:?}");
}
