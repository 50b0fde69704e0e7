//! `opora serve`: a live preview for editors.
//!
//! The first build is written to a folder (it provides static assets and any
//! generated data). After that, a change to content, data, templates or config
//! re-parses and re-checks only the changed files ([`pipeline::Kept`]: parsed
//! files and each record's own findings), re-resolves the site in memory, and pages are rendered when a browser asks
//! for them — so an edit in a large portal is visible in a fraction of a second.
//! Open tabs reload through a Server-Sent Events stream; a content error
//! replaces every page with an error page naming the file and line, until fixed.

mod connections;
mod error_page;
pub mod files;
mod http;
mod watch;

use std::collections::HashMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, Diagnostics};
use crate::pipeline::{self, Failed, Options, Report};
use crate::render::pages::{Kind, Pages};
use crate::site::Site;
pub use http::Limits;
use http::Response;
pub use watch::watched;

const LIVE_SCRIPT_PATH: &str = "/__opora/live.js";
const EVENTS_PATH: &str = "/__opora/events";
const LIVE_SCRIPT: &str = r#"// Reloads the page when opora serve has rebuilt the site.
(function () {
  "use strict";
  var seen = null;
  var events = new EventSource("/__opora/events");
  events.onmessage = function (e) {
    if (seen !== null && e.data !== seen) window.location.reload();
    seen = e.data;
  };
})();
"#;

// One value per server, swapped on rebuild: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Ready {
        site: Box<Site>,
        pages: Pages,
        /// Output path → page, to render on request.
        index: HashMap<String, Kind>,
        env: minijinja::Environment<'static>,
    },
    Failed(Diagnostics),
}

struct State {
    generation: u64,
    outcome: Outcome,
}

pub struct DevServer {
    opts: Options,
    state: RwLock<State>,
    /// Generation counter the event streams wait on.
    signal: (Mutex<u64>, Condvar),
    kept: Mutex<pipeline::Kept>,
}

impl DevServer {
    /// Builds the site once to `opts.output` and prepares the in-memory state.
    ///
    /// Refuses, before anything is written, a folder that is not a portal and
    /// an output the build would refuse (the portal itself, one of its
    /// sources, a folder opora did not make): the preview would otherwise read
    /// its static files from there. Content errors do not stop the server; the
    /// browser shows them until they are fixed.
    pub fn start(mut opts: Options) -> Result<Arc<DevServer>, Failed> {
        let refuse = |d: Diagnostic| {
            let mut diagnostics = Diagnostics::default();
            diagnostics.push(d);
            Failed { diagnostics }
        };
        // `notify` reports absolute paths; the watcher compares them with these.
        opts.root = pipeline::portal_root(&opts.root);
        pipeline::load_config(&opts.root).map_err(|ds| {
            let mut diagnostics = Diagnostics::default();
            diagnostics.extend(ds);
            Failed { diagnostics }
        })?;
        opts.output = crate::output::check(&opts.root, &opts.output)
            .map_err(|e| refuse(pipeline::output_error(&e)))?;
        let server = Arc::new(DevServer {
            state: RwLock::new(State {
                generation: 0,
                outcome: Outcome::Failed(Diagnostics::default()),
            }),
            signal: (Mutex::new(0), Condvar::new()),
            kept: Mutex::new(pipeline::Kept::default()),
            opts,
        });
        if let Err(failed) = pipeline::build(&server.opts) {
            eprint!(
                "{}",
                failed
                    .diagnostics
                    .shown()
                    .iter()
                    .map(|d| d.render())
                    .collect::<String>()
            );
        }
        server.rebuild();
        Ok(server)
    }

    /// Re-prepares the site after a change; returns how long it took.
    pub fn rebuild(&self) -> Duration {
        let t = Instant::now();
        let mut report = Report::default();
        let outcome = {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            match pipeline::prepare(&self.opts, kept.reuse(), &mut report) {
                Ok(p) => {
                    let t = Instant::now();
                    let manifest = search_manifest_in(&self.opts.output);
                    let pages = Pages::new(&p.site, manifest.as_deref(), &p.env);
                    let index = pages.list(&p.site).into_iter().collect();
                    report.timings.push(("pages", t.elapsed()));
                    Outcome::Ready {
                        site: Box::new(p.site),
                        pages,
                        index,
                        env: p.env,
                    }
                }
                Err(failed) => Outcome::Failed(failed.diagnostics),
            }
        };
        if std::env::var_os("OPORA_TIMINGS").is_some() {
            eprintln!("{:?}", report.timings);
        }
        let (generation, old) = {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            state.generation += 1;
            let old = std::mem::replace(&mut state.outcome, outcome);
            (state.generation, old)
        };
        // Freeing thousands of pages takes a while; the reader need not wait for it.
        std::thread::spawn(move || drop(old));
        let (lock, cvar) = &self.signal;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = generation;
        cvar.notify_all();
        t.elapsed()
    }

    pub fn generation(&self) -> u64 {
        self.state.read().map(|s| s.generation).unwrap_or(0)
    }

    /// Answers one request path (already stripped of the query string).
    pub fn respond(&self, target: &str) -> Response {
        let path = target.split(['?', '#']).next().unwrap_or("/");
        if path == LIVE_SCRIPT_PATH {
            return Response::new("200 OK", "text/javascript; charset=utf-8", LIVE_SCRIPT);
        }
        let Some(decoded) = files::percent_decode(path) else {
            return Response::new(
                "400 Bad Request",
                "text/plain; charset=utf-8",
                "bad request",
            );
        };
        let rel = decoded.trim_start_matches('/');
        if rel.split('/').any(|seg| seg == "..") {
            return Response::new("403 Forbidden", "text/plain; charset=utf-8", "forbidden");
        }
        let page_key = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        let wants_html =
            page_key.ends_with(".html") || !rel.rsplit('/').next().unwrap_or("").contains('.');
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        match &state.outcome {
            Outcome::Failed(diags) if wants_html => {
                return Response::new(
                    "500 Internal Server Error",
                    "text/html; charset=utf-8",
                    inject_live(&error_page::render(diags)),
                );
            }
            Outcome::Ready {
                site,
                pages,
                index,
                env,
            } => {
                let kind = index
                    .get(&page_key)
                    .or_else(|| index.get(&format!("{rel}/index.html")));
                if let Some(kind) = kind {
                    let job = pages.render_job(site, *kind);
                    let rendered = env
                        .get_template(job.template)
                        .and_then(|t| t.render(pages.context(&job)))
                        .map_err(|e| crate::render::template_diagnostic(&job.path, &e));
                    // A service card that failed leaves the page without it.
                    let rendered = match pages.card_failure() {
                        Some(d) => Err(d.clone()),
                        None => rendered,
                    };
                    return match rendered {
                        Ok(html) => {
                            Response::new("200 OK", "text/html; charset=utf-8", inject_live(&html))
                        }
                        Err(diagnostic) => {
                            let mut d = Diagnostics::default();
                            d.push(diagnostic);
                            Response::new(
                                "500 Internal Server Error",
                                "text/html; charset=utf-8",
                                inject_live(&error_page::render(&d)),
                            )
                        }
                    };
                }
            }
            Outcome::Failed(_) => {}
        }
        // Static files straight from the portal, so CSS edits show at once;
        // then whatever the first build generated.
        for dir in [self.opts.root.join("static"), self.opts.output.clone()] {
            if let Some(file) = files::resolve(&dir, path).filter(|p| p.is_file())
                && let Ok(body) = std::fs::read(&file)
            {
                return Response::new("200 OK", files::content_type(&file), body);
            }
        }
        let not_found = match &state.outcome {
            Outcome::Ready {
                site, pages, env, ..
            } => {
                let job = pages.render_job(site, Kind::NotFound);
                env.get_template(job.template)
                    .and_then(|t| t.render(pages.context(&job)))
                    .unwrap_or_else(|_| "not found".into())
            }
            Outcome::Failed(_) => "not found".into(),
        };
        Response::new(
            "404 Not Found",
            "text/html; charset=utf-8",
            inject_live(&not_found),
        )
    }

    fn stream_events(&self, mut stream: TcpStream) -> std::io::Result<()> {
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n"
        )?;
        let (lock, cvar) = &self.signal;
        let mut sent = *lock.lock().unwrap_or_else(|e| e.into_inner());
        write!(stream, "retry: 500\ndata: {sent}\n\n")?;
        stream.flush()?;
        loop {
            let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            let (guard, _) = cvar
                .wait_timeout_while(guard, Duration::from_secs(15), |g| *g == sent)
                .unwrap_or_else(|e| e.into_inner());
            let now = *guard;
            drop(guard);
            if now == sent {
                // Keep-alive comment; a closed tab makes this write fail and ends the thread.
                write!(stream, ": ping\n\n")?;
            } else {
                sent = now;
                write!(stream, "data: {sent}\n\n")?;
            }
            stream.flush()?;
        }
    }

    fn handle(&self, mut stream: TcpStream, limits: &Limits, streams: &Arc<AtomicUsize>) {
        let _ = stream.set_write_timeout(Some(limits.write_timeout));
        let request = match http::read_request(&stream, limits) {
            Ok(r) => r,
            // A client that sent nothing in time is not waited for any longer.
            Err(e @ http::HeadError::TimedOut) => {
                if let Some(r) = e.response() {
                    let _ = http::write_response(&mut stream, &r, false);
                }
                return;
            }
            Err(e) => {
                if let Some(r) = e.response() {
                    http::refuse(&mut stream, &r);
                }
                return;
            }
        };
        if request.method != "GET" && request.method != "HEAD" {
            let r = Response::new(
                "405 Method Not Allowed",
                "text/plain; charset=utf-8",
                "method not allowed",
            );
            return http::refuse(&mut stream, &r);
        }
        if request.target.split('?').next() == Some(EVENTS_PATH) {
            // Each open tab holds one stream for as long as it is open.
            let Some(_slot) = connections::Slot::take(streams, limits.max_event_streams) else {
                return http::refuse(&mut stream, &connections::busy());
            };
            let _ = self.stream_events(stream);
            return;
        }
        let response = self.respond(&request.target);
        let _ = http::write_response(&mut stream, &response, request.method == "HEAD");
    }

    /// Serves until the process ends, one thread per connection, within [`Limits::default`].
    pub fn serve(self: &Arc<Self>, listener: TcpListener) {
        self.serve_with(listener, Limits::default());
    }

    /// Serves until the process ends, one thread per connection, within `limits`.
    pub fn serve_with(self: &Arc<Self>, listener: TcpListener, limits: Limits) {
        let streams = Arc::new(AtomicUsize::new(0));
        let server = Arc::clone(self);
        connections::serve(listener, limits, move |stream, limits| {
            server.handle(stream, limits, &streams)
        });
    }

    /// Watches the portal's sources and rebuilds on change, in a background thread.
    pub fn watch(self: &Arc<Self>) -> notify::Result<()> {
        let server = Arc::clone(self);
        let (watcher, rx) = watch::start(&self.opts.root, &self.opts.output)?;
        std::thread::spawn(move || {
            let mut watcher = watcher;
            while let Some(changed) = watch::next_batch(&rx, Duration::from_millis(30)) {
                watch::rewatch_folders(&mut watcher, &server.opts.root, &changed);
                let took = server.rebuild();
                let state = server
                    .state
                    .read()
                    .map(|s| matches!(s.outcome, Outcome::Failed(_)))
                    .unwrap_or(false);
                let names: Vec<String> = changed
                    .iter()
                    .filter(|p| p.exists())
                    .take(3)
                    .map(|p| crate::diag::rel_path(&server.opts.root, p))
                    .collect();
                println!(
                    "{} changed: rebuilt in {} ms{}",
                    names.join(", "),
                    took.as_millis(),
                    if state {
                        " — with errors, see the browser"
                    } else {
                        ""
                    }
                );
            }
        });
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.opts.root
    }
}

/// The search manifest the first build wrote, so the preview's search works
/// (its index reflects that build; restart to re-index).
fn search_manifest_in(output: &Path) -> Option<String> {
    let dir = output.join("search");
    let name = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("manifest-"))?;
    Some(format!("search/{name}"))
}

/// Adds the live-reload script (a same-origin file, so the page's CSP allows it).
fn inject_live(html: &str) -> Vec<u8> {
    let tag = format!("<script src=\"{LIVE_SCRIPT_PATH}\" defer></script>");
    match html.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &html[..i], &html[i..]).into_bytes(),
        None => format!("{html}{tag}").into_bytes(),
    }
}

/// Where `serve` writes its first build unless told otherwise: beside the
/// portal, not in `public/`, which holds what gets published.
pub fn default_output(root: &Path) -> PathBuf {
    root.join(".opora-serve")
}
