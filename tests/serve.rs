//! `opora serve` as a child process: edits show up, the open page is told to
//! reload, a broken file shows an error page until it is fixed, and nothing
//! outside the site can be read.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &std::path::Path) -> Server {
    let mut cmd = opora_cmd();
    cmd.arg("--root").arg(root);
    start_with(cmd)
}

/// Starts `opora serve` on a free port with `cmd`'s folder and arguments.
fn start_with(mut cmd: Command) -> Server {
    let mut child = cmd
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = lines.next().unwrap().unwrap();
    let port: u16 = line
        .split("127.0.0.1:")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, port }
}

fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, text)
}

/// Polls until `f` holds or 10 s pass.
fn eventually(mut f: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(10) {
        if f() {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("condition not reached in 10 s");
}

/// Reads Server-Sent Events `data:` values from a stream in a background thread.
fn events(port: u16) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET /__opora/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines() {
            let Ok(line) = line else { break };
            if let Some(d) = line.strip_prefix("data: ")
                && tx.send(d.to_string()).is_err()
            {
                break;
            }
        }
    });
    rx
}

#[test]
fn edit_reload_break_and_recover() {
    let portal = mini_portal();
    let root = portal.path();
    let server = start(root);
    let page = "/services/ru-klu/kaluga-doverie/";
    let (status, body) = get(server.port, page);
    assert_eq!(status, 200);
    assert!(
        body.contains("<script src=\"/__opora/live.js\" defer></script>"),
        "live reload script injected"
    );
    assert!(
        get(server.port, "/__opora/live.js")
            .1
            .contains("EventSource")
    );

    let ev = events(server.port);
    let first = ev.recv_timeout(Duration::from_secs(5)).unwrap();

    // Edit: the page shows the new text and the event stream announces a new generation.
    let file = root.join("content/services/ru-klu/kaluga-doverie.md");
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        original.replace("name = \"Калужский", "name = \"Обновлённый Калужский"),
    )
    .unwrap();
    eventually(|| {
        get(server.port, page)
            .1
            .contains("<h1>Обновлённый Калужский")
    });
    let next = ev.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_ne!(first, next, "a reload event follows the change");

    // Break the front matter: every page becomes the error page with file and line.
    std::fs::write(
        &file,
        original.replace("kind = \"family-centre\"", "kind = \"family-centre"),
    )
    .unwrap();
    eventually(|| get(server.port, "/").0 == 500);
    let (_, error_page) = get(server.port, "/regions/");
    assert!(
        error_page.contains("content/services/ru-klu/kaluga-doverie.md:3:"),
        "{error_page}"
    );
    assert!(error_page.contains("Сайт не собрался"));
    assert!(
        !error_page.contains("<h1>Регионы</h1>"),
        "no stale content while broken"
    );

    // Fix it: pages come back.
    std::fs::write(&file, &original).unwrap();
    eventually(|| get(server.port, page).0 == 200);
    assert!(get(server.port, page).1.contains("<h1>Калужский"));
}

/// Saves an edit to a service and waits until the server shows it.
fn edit_shows_up(root: &std::path::Path, server: &Server) {
    let page = "/services/ru-klu/kaluga-doverie/";
    assert!(get(server.port, page).1.contains("<h1>Калужский"));
    let file = root.join("content/services/ru-klu/kaluga-doverie.md");
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        original.replace("name = \"Калужский", "name = \"Обновлённый Калужский"),
    )
    .unwrap();
    eventually(|| {
        get(server.port, page)
            .1
            .contains("<h1>Обновлённый Калужский")
    });
}

/// The README's way: `scripts/serve.sh` runs `opora serve` inside the portal, no `--root`.
#[test]
fn live_reload_works_when_serving_from_inside_the_portal() {
    let portal = mini_portal();
    let mut cmd = opora_cmd();
    cmd.current_dir(portal.path());
    let server = start_with(cmd);
    edit_shows_up(portal.path(), &server);
}

#[test]
fn live_reload_works_with_a_relative_root() {
    let portal = mini_portal();
    let (parent, name) = (
        portal.path().parent().unwrap(),
        portal.path().file_name().unwrap(),
    );
    let mut cmd = opora_cmd();
    cmd.current_dir(parent).arg("--root").arg(name);
    let server = start_with(cmd);
    edit_shows_up(portal.path(), &server);
    // `--root ./portal/.` and the like are the same folder.
    let mut cmd = opora_cmd();
    cmd.current_dir(portal.path().join("content"))
        .arg("--root")
        .arg("../content/..");
    let server = start_with(cmd);
    let page = "/services/ru-klu/kaluga-doverie/";
    assert!(get(server.port, page).1.contains("<h1>Обновлённый Калужский"));
    let file = portal.path().join("content/services/ru-klu/kaluga-doverie.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("Обновлённый Калужский", "Снова Калужский")).unwrap();
    eventually(|| get(server.port, page).1.contains("<h1>Снова Калужский"));
}

#[test]
fn never_serves_files_outside_the_site() {
    let portal = mini_portal();
    let root = portal.path();
    std::fs::write(root.join("secret.txt"), "TOP-SECRET").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("secret.txt"), root.join("static/link.txt")).unwrap();
    let server = start(root);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/static/../../secret.txt",
        "//etc/passwd",
        "/..%2fsecret.txt",
        "/link.txt",
        "/opora.toml",
        "/content/pages/about.md",
    ] {
        let (status, body) = get(server.port, path);
        assert!(
            status == 404 || status == 403 || status == 400,
            "{path}: {status}"
        );
        assert!(
            !body.contains("TOP-SECRET")
                && !body.contains("root:x:0")
                && !body.contains("base_url"),
            "{path} leaked"
        );
    }
    assert_eq!(get(server.port, "/style.css").0, 200);
}
