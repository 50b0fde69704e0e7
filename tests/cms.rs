//! The editing interface at `/admin/` (src/cms): its configuration follows the
//! collection registry field by field, it is the only page that loads the CMS,
//! its CSP lets it talk to the configured git host only, and — in headless
//! Chromium with Decap's local backend — an editor creates a service through
//! the form and gets a file `opora check` accepts.
//!
//! The CMS's files come from `scripts/cms-setup.sh` (pinned npm packages in
//! `cms/`), which `scripts/test.sh` runs before the tests; nothing here uses the
//! network.

mod common;

use common::*;
use opora::collections::{Field, REGISTRY, fields, raw_schema};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A copy of the default portal with the CMS's installed files beside it.
fn portal_copy() -> tempfile::TempDir {
    let repo = repo();
    assert!(
        repo.join("cms/dist/decap-cms.js").is_file()
            && repo.join("cms/node_modules/decap-server").is_dir(),
        "the CMS is not installed: run scripts/cms-setup.sh (scripts/test.sh does)"
    );
    let dir = tempfile::tempdir().unwrap();
    for sub in ["content", "data", "templates", "static"] {
        copy_dir(&repo.join(sub), &dir.path().join(sub));
    }
    std::fs::copy(repo.join("opora.toml"), dir.path().join("opora.toml")).unwrap();
    std::os::unix::fs::symlink(repo.join("cms"), dir.path().join("cms")).unwrap();
    dir
}

/// `opora build` of `root` into `root/public`, with `env` set.
fn build(root: &Path, args: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let out = root.join("public");
    let o = opora_cmd()
        .envs(env.iter().copied())
        .arg("--root")
        .arg(root)
        .args(["build", "--output", out.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The CMS widget a registry field must get; `schema` is the field's JSON
/// Schema (for a fixed list of values).
fn expected_widget(f: &Field, schema: &Value) -> &'static str {
    let listed = f.kind == "array";
    let fixed = schema.get("enum").or_else(|| schema["items"].get("enum"));
    if f.vocabulary.is_some() || f.refers_to.is_some() || fixed.is_some() {
        return "select";
    }
    match (f.kind.as_str(), f.format.as_deref()) {
        ("string", Some("date")) => "datetime",
        ("string", _) => "string",
        ("integer" | "number", _) => "number",
        ("boolean", _) => "boolean",
        ("object", _) => "object",
        _ if listed => "list",
        _ => "string",
    }
}

/// The knowledge is in one place: every field of every registered collection
/// (events included, which the CMS code never names) is in the generated
/// configuration with the widget its type calls for, its required flag and its
/// pattern; the form has nothing the record types do not have but the
/// Markdown body. A field added to a record type is checked here as well.
#[test]
fn every_field_of_every_registered_collection_is_in_the_cms_config() {
    let portal = portal_copy();
    let out = build(portal.path(), &[], &[("OPORA_CMS", "local")]);
    let config = read_json(&out.join("admin/config.json"));
    let collections = config["collections"].as_array().unwrap();
    let names: Vec<&str> = collections
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let registered: Vec<&str> = REGISTRY.iter().map(|c| c.spec().name).collect();
    assert_eq!(names, registered);
    assert!(names.contains(&"events"), "{names:?}");

    for c in REGISTRY {
        let spec = c.spec();
        let col = collections.iter().find(|x| x["name"] == spec.name).unwrap();
        assert_eq!(col["folder"], format!("content/{}", spec.name));
        assert_eq!(col["label"], spec.label);
        let form = col["fields"].as_array().unwrap();
        let record_fields = fields(c);
        let schema = raw_schema(c);
        for f in &record_fields {
            let at = format!("{}.{}", spec.name, f.name);
            let cms = form
                .iter()
                .find(|x| x["name"] == f.name.as_str())
                .unwrap_or_else(|| panic!("{at} is not in the CMS form"));
            let prop = &schema["properties"][&f.name];
            assert_eq!(cms["widget"], expected_widget(f, prop), "{at}: {cms}");
            assert_eq!(cms["required"], f.required, "{at}: {cms}");
            if let Some(p) = &f.pattern
                && f.kind == "string"
            {
                assert_eq!(cms["pattern"][0], p.as_str(), "{at}: {cms}");
            }
            if cms["widget"] == "select" {
                let options = cms["options"].as_array().unwrap();
                assert!(!options.is_empty(), "{at} offers nothing");
                assert_eq!(
                    cms["multiple"].as_bool().unwrap_or(false),
                    f.kind == "array"
                );
            }
            // The label and hint come from the schema's Russian description.
            assert!(
                f.description.is_empty() || cms["hint"] == f.description.trim(),
                "{at}: {cms}"
            );
        }
        let extra: Vec<&str> = form
            .iter()
            .filter_map(|x| x["name"].as_str())
            .filter(|n| *n != "body" && !record_fields.iter().any(|f| f.name == *n))
            .collect();
        assert!(
            extra.is_empty(),
            "{}: hand-made fields {extra:?}",
            spec.name
        );
    }

    // The pieces the issue names, in the services form.
    let services = &collections[0]["fields"];
    let field = |name: &str| {
        services
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    let needs = field("needs");
    assert!(
        needs["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == "psychologist" && o["label"] == "Психолог"),
        "{needs}"
    );
    let region = field("region");
    assert!(
        region["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == "RU-KLU" && o["label"] == "Калужская область (RU-KLU)"),
        "{region}"
    );
    let location = field("location");
    let precision = &location["fields"][2];
    assert_eq!(precision["name"], "precision");
    assert_eq!(precision["widget"], "select");
    assert_eq!(location["fields"][0]["widget"], "number");
    let sources = field("sources");
    let parts: Vec<&str> = sources["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for part in ["doc", "line", "quote"] {
        assert!(parts.contains(&part), "{parts:?}");
    }
    // The form opens as `opora new`'s file does and closes with the citations.
    let order: Vec<&str> = services
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(order[..4], ["name", "kind", "needs", "region"], "{order:?}");
    assert_eq!(order[order.len() - 2..], ["sources", "body"], "{order:?}");
    // A new record starts with the placeholder citation `opora check` warns about.
    assert!(
        sources["default"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("ЗАМЕНИТЕ")
    );
}

/// Only `/admin/` loads the CMS: no other page links to it or its script, and
/// with a git host configured its CSP allows that host and nothing else.
#[test]
fn only_the_admin_page_loads_the_cms_and_talks_only_to_the_git_host() {
    let portal = portal_copy();
    let toml = portal.path().join("opora.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[editors]\ncms = true\nbackend = \"gitea\"\nhost = \"https://git.example.org\"\nrepo = \"opora/portal\"\napp_id = \"opora-cms\"\n");
    std::fs::write(&toml, text).unwrap();
    let out = build(
        portal.path(),
        &["--base-url", "https://opora.example.org/"],
        &[],
    );

    let admin = std::fs::read_to_string(out.join("admin/index.html")).unwrap();
    assert!(
        admin.contains("connect-src &#39;self&#39; https://git.example.org;"),
        "{admin}"
    );
    assert!(admin.contains("default-src &#39;none&#39;"), "{admin}");
    assert!(admin.contains("vendor/decap-cms.js"), "{admin}");
    let config = read_json(&out.join("admin/config.json"));
    assert_eq!(config["backend"]["name"], "gitea");
    assert_eq!(
        config["backend"]["api_root"],
        "https://git.example.org/api/v1"
    );
    assert_eq!(config["publish_mode"], "editorial_workflow");
    assert!(config.get("local_backend").is_none(), "{config}");
    assert!(out.join("admin/vendor/decap-cms.js").is_file());

    let mut pages = 0;
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&out).unwrap();
        if rel.starts_with("admin") || entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        pages += 1;
        let html = std::fs::read_to_string(entry.path()).unwrap();
        for marker in ["/admin/", "decap", "opora-cms"] {
            assert!(
                !html.contains(marker),
                "{} mentions {marker}",
                rel.display()
            );
        }
    }
    assert!(pages > 100, "{pages} pages");
}

/// A free port on the loopback interface.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The local backend, stopped when dropped.
struct Backend(Child);

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_backend(root: &Path, port: u16) -> Backend {
    let child = Command::new("node")
        .arg(repo().join("cms/node_modules/decap-server/dist/index.js"))
        .env("PORT", port.to_string())
        .env("BIND_HOST", "127.0.0.1")
        .env("GIT_REPO_DIRECTORY", root)
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node must be installed (Node 20) for the browser tests");
    let backend = Backend(child);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "decap-server did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    backend
}

/// The acceptance test: with the local backend running, an editor
/// opens `/admin/`, creates a service through the form (name, region, need,
/// phone) and saves; the file appears under `content/services/<region>/`, and
/// `opora check --strict` accepts it except for the placeholder source the
/// form starts with (and asks the editor to replace).
#[test]
fn an_editor_creates_a_service_in_the_browser_and_check_accepts_the_file() {
    let browser_dir = repo().join("tests/browser");
    assert!(
        browser_dir.join("node_modules/puppeteer-core").is_dir(),
        "npm packages missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let portal = portal_copy();
    let root = portal.path();
    let port = free_port();
    let toml = root.join("opora.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[editors]\nlocal_port = {port}\n")).unwrap();
    let out = build(root, &[], &[("OPORA_CMS", "local")]);
    let config = read_json(&out.join("admin/config.json"));
    assert_eq!(
        config["local_backend"]["url"],
        format!("http://127.0.0.1:{port}/api/v1")
    );
    let _backend = start_backend(root, port);

    let service = serde_json::json!({
        "name": "Служба «Проба» для детей",
        "kind": "Семейный центр",
        "region": "Калужская область (RU-KLU)",
        "need": "Психолог",
        "phone": "8 (4842) 55-06-02",
    });
    let mut cmd = Command::new("node");
    cmd.arg(browser_dir.join("cms-local.mjs"))
        .arg(&out)
        .arg(service.to_string());
    let run = cmd.output().expect("node must be installed");
    let report: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|_| {
        panic!(
            "the browser script printed no report:\n{}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    assert_eq!(report["saved"], true, "{report}");
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    // The admin page asked the site itself and the local backend, nobody else.
    for url in report["requests"].as_array().unwrap() {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("data:"),
            "request to {url}"
        );
    }

    // Named as `opora new` names files: the name, transliterated.
    let rel = format!(
        "content/services/ru-klu/{}.md",
        opora::ru::slugify("Служба «Проба» для детей")
    );
    let dir = root.join("content/services/ru-klu");
    let written = std::fs::read_to_string(root.join(&rel)).unwrap_or_else(|e| {
        let there: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        panic!("{rel}: {e}; the folder holds {there:?}")
    });
    for line in [
        "name = \"Служба «Проба» для детей\"",
        "kind = \"family-centre\"",
        "needs = [\"psychologist\"]",
        "region = \"RU-KLU\"",
        "phones = [\"8 (4842) 55-06-02\"]",
    ] {
        assert!(written.contains(line), "{line} not in\n{written}");
    }
    let check = opora(root, &["check", "--strict"]);
    let said = stderr(&check);
    assert!(!check.status.success(), "{said}");
    assert!(said.contains("0 error(s), 1 warning(s)"), "{said}");
    assert!(
        said.contains("the source is still the placeholder") && said.contains(&rel),
        "{said}"
    );
}
