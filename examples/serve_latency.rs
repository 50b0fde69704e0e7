//! Edit-to-visible latency of `opora serve`: edits one service file N times in
//! a portal and measures how long until an HTTP GET of its page shows the edit.
//!
//!     cargo run --release --example synth -- --services 10000 --out /tmp/opora-bench
//!     cargo run --release --example serve_latency -- /tmp/opora-bench 11

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    buf
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(
        args.get(1)
            .cloned()
            .unwrap_or_else(|| "/tmp/opora-bench".into()),
    );
    let runs: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(11);
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let opts = opora::pipeline::Options {
        output: opora::serve::default_output(&root),
        root: root.clone(),
        strict: false,
        base_url: Some(format!("http://127.0.0.1:{port}/")),
    };
    let t = Instant::now();
    let server = opora::serve::DevServer::start(opts).unwrap_or_else(|failed| {
        for d in failed.diagnostics.items() {
            eprintln!("{}", d.render());
        }
        std::process::exit(1)
    });
    println!("initial build: {} ms", t.elapsed().as_millis());
    server.watch().unwrap();
    let s = server.clone();
    std::thread::spawn(move || s.serve(listener));

    // The first service record found.
    let file = walkdir::WalkDir::new(root.join("content/services"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .find(|e| e.path().extension().is_some_and(|x| x == "md"))
        .unwrap()
        .into_path();
    let rel = file
        .strip_prefix(root.join("content/services"))
        .unwrap()
        .with_extension("");
    let url = format!("/services/{}/", rel.to_string_lossy());
    let original = std::fs::read_to_string(&file).unwrap();
    let mut times = Vec::new();
    for i in 0..runs {
        let marker = format!("Правка номер {i}");
        let edited = format!("{original}\n\n{marker}\n");
        std::thread::sleep(Duration::from_millis(150));
        let t = Instant::now();
        std::fs::write(&file, edited).unwrap();
        loop {
            if get(port, &url).contains(&marker) {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "edit not visible after 10 s"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        times.push(t.elapsed());
    }
    std::fs::write(&file, original).unwrap();
    times.sort();
    let ms: Vec<u128> = times.iter().map(|d| d.as_millis()).collect();
    println!(
        "edit → visible over HTTP, {runs} runs: median {} ms, min {} ms, max {} ms ({ms:?})",
        ms[ms.len() / 2],
        ms[0],
        ms[ms.len() - 1]
    );
}
