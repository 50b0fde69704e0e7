//! The opt-in tile map: off by default and then no map code at all is shipped; on only
//! with a tile URL template the portal owner chose.

use opora::config::MapConfig;
use opora::geo::site::{TILE_MAP_SCRIPT, tile_map, tile_map_files};

#[test]
fn off_by_default_ships_nothing() {
    let off = MapConfig::default();
    assert!(!off.tiles);
    assert!(tile_map(&off, "/").is_none());
    assert!(tile_map_files(&off).is_empty());
    // Turned on without a tile server: still nothing to ship.
    let no_url = MapConfig {
        tiles: true,
        ..MapConfig::default()
    };
    assert!(tile_map_files(&no_url).is_empty());
    // A URL without the {z}/{x}/{y} template is a mistake, not a map.
    let bad = MapConfig {
        tiles: true,
        tile_url: Some("https://tiles.example.org/".into()),
        tile_attribution: None,
    };
    assert!(tile_map(&bad, "/").is_none());
}

#[test]
fn on_ships_the_script_with_the_owners_tile_server() {
    let on = MapConfig {
        tiles: true,
        tile_url: Some("https://tiles.example.org/{z}/{x}/{y}.png".into()),
        tile_attribution: Some("© участники OpenStreetMap".into()),
    };
    let t = tile_map(&on, "/portal/").unwrap();
    assert_eq!(t.script, format!("/portal/{TILE_MAP_SCRIPT}"));
    assert_eq!(t.url, "https://tiles.example.org/{z}/{x}/{y}.png");
    let files = tile_map_files(&on);
    assert_eq!(files.len(), 1);
    let js = String::from_utf8(files[0].1.clone()).unwrap();
    // The script takes its tile server from the page, never a built-in default.
    assert!(js.contains("data-tiles") && !js.contains("openstreetmap.org"));
}

#[test]
fn the_repository_config_keeps_the_tile_map_off() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/opora.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let tiles = table
        .get("map")
        .and_then(|m| m.get("tiles"))
        .and_then(|v| v.as_bool());
    assert_ne!(tiles, Some(true));
}

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A loopback HTTP server answering GETs with `respond(path)`, logging each path.
fn serve(
    respond: impl Fn(&str) -> Option<(&'static str, Vec<u8>)> + Send + Sync + 'static,
) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (respond, seen) = (Arc::new(respond), log.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (respond, seen) = (respond.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let mut h = String::new();
                while reader.read_line(&mut h).unwrap_or(0) > 0 && h != "\r\n" {
                    h.clear();
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                seen.lock().unwrap().push(path.clone());
                let mut stream = stream;
                let _ = match respond(&path) {
                    Some((ctype, body)) => write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .and_then(|_| stream.write_all(&body)),
                    None => write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    ),
                };
            });
        }
    });
    (port, log)
}

/// The smallest valid PNG: one transparent pixel.
const PNG: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// Switched on, the tile map really shows tiles: the page's CSP names the
/// configured tile host (and only when the map is on), and headless Chromium
/// fetches tiles from a stub tile server on another origin.
#[test]
fn the_tile_map_loads_tiles_from_the_configured_host_in_a_browser() {
    let (tile_port, tile_log) =
        serve(|path| path.ends_with(".png").then(|| ("image/png", PNG.to_vec())));
    let portal = common::mini_portal();
    let root = portal.path();
    let config = std::fs::read_to_string(root.join("opora.toml")).unwrap();
    let tiles = format!(
        "\n[map]\ntiles = true\ntile_url = \"http://127.0.0.1:{tile_port}/{{z}}/{{x}}/{{y}}.png\"\ntile_attribution = \"тестовый сервер\"\n"
    );
    std::fs::write(root.join("opora.toml"), format!("{config}{tiles}")).unwrap();
    let out: PathBuf = root.join("public");
    let site = out.clone();
    let (site_port, _) = serve(move |path| {
        let file = opora::serve::files::resolve(&site, path).filter(|p| p.is_file())?;
        Some((
            opora::serve::files::content_type(&file),
            std::fs::read(file).ok()?,
        ))
    });
    let base = format!("http://127.0.0.1:{site_port}/");
    let o = common::opora(
        root,
        &[
            "build",
            "--output",
            out.to_str().unwrap(),
            "--base-url",
            &base,
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let page = std::fs::read_to_string(out.join("regions/ru-mos/index.html")).unwrap();
    assert!(
        page.contains(&format!(
            "img-src 'self' data: http://127.0.0.1:{tile_port};"
        )),
        "the CSP allows the tile host"
    );
    assert!(
        page.contains("data-tile-map"),
        "the region page has the tile map"
    );
    let profile = tempfile::tempdir().unwrap();
    let mut loaded = false;
    // Under load Chromium's virtual clock can run out before the script ran; retry.
    for _ in 0..3 {
        let o = std::process::Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--virtual-time-budget=10000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("{base}regions/ru-mos/"))
            .output()
            .expect(
                "Chromium must be installed for the browser tests (scripts/test.sh installs it)",
            );
        let dom = String::from_utf8_lossy(&o.stdout);
        let tiles_fetched = tile_log
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(".png"))
            .count();
        if dom.contains("class=\"tile-view\"") && tiles_fetched > 0 {
            loaded = true;
            break;
        }
    }
    assert!(
        loaded,
        "no tiles were fetched: {:?}",
        tile_log.lock().unwrap()
    );
}

/// Off (the default), no page names any other host in its CSP.
#[test]
fn with_the_tile_map_off_the_csp_allows_only_the_site() {
    let portal = common::mini_portal();
    let out = portal.path().join("public");
    let o = common::opora(portal.path(), &["build", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let page = std::fs::read_to_string(out.join("regions/ru-mos/index.html")).unwrap();
    let csp = page
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("every page carries a CSP");
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    assert!(!csp.contains("http"), "no other host: {csp}");
}
