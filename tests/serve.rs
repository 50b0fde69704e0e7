//! `opora serve` (as a child process, or in this process with tight limits):
//! edits show up however the server was started, the open page is told to
//! reload, a broken file shows an error page until it is fixed, nothing outside
//! the site can be read, and no client can hold the server hostage (idle
//! sockets time out, oversized heads are refused, connections are capped).

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
            .contains("Полное название: Обновлённый Калужский")
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
    assert!(
        get(server.port, page)
            .1
            .contains("Полное название: Калужский")
    );
}

/// Saves an edit to a service and waits until the server shows it.
fn edit_shows_up(root: &std::path::Path, server: &Server) {
    let page = "/services/ru-klu/kaluga-doverie/";
    assert!(
        get(server.port, page)
            .1
            .contains("Полное название: Калужский")
    );
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
            .contains("Полное название: Обновлённый Калужский")
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

/// A source folder deleted and made again (another branch checked out, a
/// folder copied back) is still watched: later saves in it show up.
#[test]
fn live_reload_survives_a_source_folder_made_again() {
    let portal = mini_portal();
    let server = start(portal.path());
    let content = portal.path().join("content");
    let kept = tempfile::tempdir().unwrap();
    copy_dir(&content, kept.path());
    std::fs::remove_dir_all(&content).unwrap();
    // The site without its content fails; the server says so and goes on.
    std::thread::sleep(Duration::from_millis(300));
    copy_dir(kept.path(), &content);
    eventually(|| get(server.port, "/services/ru-klu/kaluga-doverie/").0 == 200);
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
    assert!(
        get(server.port, page)
            .1
            .contains("Полное название: Обновлённый Калужский")
    );
    let file = portal
        .path()
        .join("content/services/ru-klu/kaluga-doverie.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("Обновлённый Калужский", "Снова Калужский"),
    )
    .unwrap();
    eventually(|| {
        get(server.port, page)
            .1
            .contains("Полное название: Снова Калужский")
    });
}

/// `opora serve --output X`, run inside the portal as the README runs it:
/// the exit status and stderr, or `None` if it was still running after 60 s.
fn serve_exits(portal: &std::path::Path, output: &str) -> Option<(bool, String, String)> {
    let mut child = opora_cmd()
        .current_dir(portal)
        .args(["serve", "--port", "0", "--output", output])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            let o = child.wait_with_output().unwrap();
            return Some((
                o.status.success(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                stderr(&o),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Like `build`, `serve` never builds into the portal or its sources: it
/// refuses before it builds, listens or serves, and changes nothing.
#[test]
fn serve_refuses_an_unsafe_output_before_serving() {
    let w = tempfile::tempdir().unwrap();
    let mini = mini_portal();
    let portal = w.path().join("portal");
    copy_dir(mini.path(), &portal);
    let before = snapshot(w.path());
    for (output, expected) in [
        ("content", "it is the portal's content folder"),
        ("data/x", "lies inside the portal's data folder"),
        ("static", "it is the portal's static files folder"),
        (".", "it is the portal folder itself"),
        ("..", "it contains the portal folder"),
    ] {
        let Some((ok, out, err)) = serve_exits(&portal, output) else {
            panic!("serve --output {output} kept running instead of refusing");
        };
        assert!(!ok, "serve --output {output} must fail:\n{err}");
        assert!(
            err.contains("refusing to build into") && err.contains(expected),
            "serve --output {output}: expected `{expected}` in:\n{err}"
        );
        assert!(err.contains("= hint:"), "{err}");
        assert!(!out.contains("serving at"), "{out}");
        assert_eq!(
            snapshot(w.path()),
            before,
            "serve --output {output} changed files"
        );
    }
    // A folder that is no portal is not served either.
    let (ok, _, err) = serve_exits(w.path(), "site").expect("refuses at once");
    assert!(!ok && err.contains("no opora.toml here"), "{err}");
    assert!(!w.path().join("site").exists());
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

/// The dev server started in this process with `limits`, on a free port.
fn start_in_process(root: &std::path::Path, limits: opora::serve::Limits) -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = opora::serve::DevServer::start(opora::pipeline::Options {
        output: opora::serve::default_output(root),
        root: root.to_path_buf(),
        strict: false,
        base_url: Some(format!("http://127.0.0.1:{port}/")),
    })
    .expect("the mini portal can be served");
    // The server thread lives until the test process ends.
    std::thread::spawn(move || server.serve_with(listener, limits));
    port
}

/// Status of a GET, or `None` when the connection failed or was reset.
fn try_get(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    String::from_utf8_lossy(&buf)
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Reads what the server sends on `s` until it closes; the status code, if any.
fn status_when_closed(mut s: TcpStream, within: Duration) -> Option<u16> {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = Vec::new();
    let closed = s.read_to_end(&mut buf).is_ok();
    assert!(
        closed,
        "the server kept an idle connection open past {within:?}"
    );
    String::from_utf8_lossy(&buf)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
}

#[test]
fn idle_connections_time_out_and_do_not_lock_others_out() {
    let portal = mini_portal();
    let limits = opora::serve::Limits {
        head_timeout: Duration::from_millis(300),
        max_connections: 8,
        ..Default::default()
    };
    let port = start_in_process(portal.path(), limits);
    assert_eq!(try_get(port, "/"), Some(200));
    // Far more idle sockets than the server serves at once.
    let idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    // A reader gets the page within the head timeout (503 meanwhile, never a hang).
    let t = Instant::now();
    let mut statuses = Vec::new();
    while t.elapsed() < Duration::from_secs(3) {
        let status = try_get(port, "/");
        statuses.push(status);
        if status == Some(200) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(statuses.last(), Some(&Some(200)), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| matches!(s, Some(200 | 503))),
        "{statuses:?}"
    );
    // Every idle socket was closed by the server: 408 after the timeout, 503 when
    // over the limit, or closed unanswered when even the refusals are queued up.
    for s in idle {
        let status = status_when_closed(s, Duration::from_secs(3));
        assert!(matches!(status, None | Some(408 | 503)), "{status:?}");
    }
}

#[test]
fn live_reload_streams_are_capped_and_pages_still_load() {
    let portal = mini_portal();
    let limits = opora::serve::Limits {
        max_connections: 6,
        max_event_streams: 2,
        ..Default::default()
    };
    let port = start_in_process(portal.path(), limits);
    let open: Vec<_> = (0..2).map(|_| events(port)).collect();
    for ev in &open {
        ev.recv_timeout(Duration::from_secs(5))
            .expect("a stream within the cap gets the generation");
    }
    assert_eq!(try_get(port, "/__opora/events"), Some(503));
    assert_eq!(try_get(port, "/"), Some(200));
}

/// The issue's case: 150 idle sockets under `ulimit -n 256` locked everyone out.
#[test]
fn idle_sockets_do_not_lock_out_the_server_under_a_low_descriptor_limit() {
    let portal = mini_portal();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"ulimit -n 256 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_opora"))
        .env("OPORA_TODAY", TEST_TODAY)
        .arg("--root")
        .arg(portal.path());
    let server = start_with(cmd);
    let idle: Vec<TcpStream> = (0..150)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap())
        .collect();
    let t = Instant::now();
    let mut last = None;
    // The default head timeout is 5 s; after it every idle socket is gone.
    while t.elapsed() < Duration::from_secs(9) {
        last = try_get(server.port, "/");
        if last == Some(200) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(last, Some(200), "locked out after {:?}", t.elapsed());
    drop(idle);
}

#[test]
fn an_oversized_request_line_gets_431_and_is_not_buffered_whole() {
    let portal = mini_portal();
    let server = start(portal.path());
    let s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let writer = s.try_clone().unwrap();
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    // 64 MB of request line without a newline, written until the server hangs up.
    let feeding = std::thread::spawn(move || {
        let mut writer = writer;
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..1024 {
            if writer.write_all(&chunk).is_err() {
                return false;
            }
            counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::SeqCst);
        }
        true
    });
    s.set_read_timeout(Some(Duration::from_secs(4))).unwrap();
    let mut status = String::new();
    BufReader::new(&s)
        .read_line(&mut status)
        .expect("an answer before the head timeout");
    let answered_after = sent.load(std::sync::atomic::Ordering::SeqCst);
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
    drop(s);
    let wrote_everything = feeding.join().unwrap();
    assert!(
        !wrote_everything,
        "the server read all 64 MB instead of hanging up"
    );
    assert!(
        answered_after < 16 << 20,
        "answered only after {answered_after} bytes"
    );
}
