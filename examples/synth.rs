//! Synthetic portal for benchmarks: the real portal plus `--regions` made-up
//! regions holding `--services` made-up services, deterministic for a given size.
//!
//!     cargo run --release --example synth -- --services 10000 --regions 85 --out /tmp/opora-bench

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const NEEDS: [&str; 14] = [
    "crisis",
    "early-help",
    "addiction",
    "housing",
    "goods",
    "money",
    "legal",
    "psychologist",
    "respite",
    "parenting",
    "return-home",
    "newborn",
    "foster",
    "family-support",
];
const KINDS: [&str; 6] = [
    "family-centre",
    "social-centre",
    "rehab-centre",
    "crisis-centre",
    "ngo",
    "early-help-service",
];
const WORDS: [&str; 16] = [
    "Надежда",
    "Доверие",
    "Семья",
    "Радуга",
    "Исток",
    "Забота",
    "Опора",
    "Гармония",
    "Росток",
    "Аист",
    "Очаг",
    "Мечта",
    "Рассвет",
    "Берег",
    "Солнце",
    "Дружба",
];

/// A small deterministic generator (xorshift), so every run makes the same portal.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let services: usize =
        arg(&args, "--services").map_or(10_000, |v| v.parse().expect("--services N"));
    let regions: usize = arg(&args, "--regions").map_or(85, |v| v.parse().expect("--regions N"));
    let out = PathBuf::from(arg(&args, "--out").unwrap_or_else(|| "/tmp/opora-bench".into()));
    generate(&out, services, regions);
    println!(
        "synthetic portal: {services} services in {regions} regions (+ real content) at {}",
        out.display()
    );
}

/// Writes the synthetic portal into `out` (replacing what is there). Tests
/// use it too (`#[path]`-included), so it only panics on I/O errors.
pub fn generate(out: &Path, services: usize, regions: usize) {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let _ = std::fs::remove_dir_all(out);
    for dir in ["content", "data", "templates", "static"] {
        copy_dir(&repo.join(dir), &out.join(dir));
    }
    let mut config = std::fs::read_to_string(repo.join("opora.toml")).unwrap();
    config.push_str("\n# synthetic benchmark portal\n");
    std::fs::write(out.join("opora.toml"), config).unwrap();

    // Citations quote a few words of their line, as the real portal's do,
    // so the synthetic portal passes `check --strict` without warnings.
    let source = std::fs::read_to_string(repo.join("data/sources/001.txt")).unwrap();
    let citable: Vec<(usize, String)> = source
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let plain = words.len() >= 4 && !line.contains(['"', '\\']);
            plain.then(|| (i + 1, words[..3].join(" ")))
        })
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let letters: Vec<char> = ('A'..='Z').collect();
    let mut codes = Vec::new();
    for i in 0..regions {
        let code = format!("RU-Q{}{}", letters[i / 26 % 26], letters[i % 26]);
        let (lat, lon) = (45.0 + (i % 15) as f64, 30.0 + (i / 15) as f64 * 8.0);
        let slug = code.to_lowercase();
        let mut text = format!(
            "+++\ncode = \"{code}\"\nname = \"Синтетическая область {i}\"\nname_in = \"в синтетической области {i}\"\ncentre = \"Город {i}\"\nroles = [\"mentioned\"]\nbbox = [{:.1}, {:.1}, {:.1}, {:.1}]\nsources = [{{ doc = \"001\", line = {}, quote = \"{}\" }}]\n",
            lon - 2.0,
            lat - 1.0,
            lon + 2.0,
            lat + 1.0,
            citable[0].0,
            citable[0].1
        );
        for m in 0..8 {
            let _ = write!(
                text,
                "\n[[municipalities]]\nname = \"Город {i}-{m}\"\nlat = {:.3}\nlon = {:.3}\n",
                lat - 0.8 + m as f64 * 0.2,
                lon - 1.5 + m as f64 * 0.4
            );
        }
        text.push_str("+++\nСинтетический регион для измерения скорости сборки.\n");
        std::fs::write(out.join(format!("content/regions/{slug}.md")), text).unwrap();
        std::fs::create_dir_all(out.join(format!("content/services/{slug}"))).unwrap();
        codes.push((code, lat, lon));
    }
    for n in 0..services {
        let (code, lat, lon) = &codes[n % codes.len()];
        let m = rng.below(8);
        let needs: Vec<&str> = (0..1 + rng.below(3))
            .map(|_| NEEDS[rng.below(NEEDS.len())])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let word = WORDS[rng.below(WORDS.len())];
        let cited = &citable[rng.below(citable.len())];
        let text = format!(
            "+++\nname = \"Центр помощи семье «{word}» № {n}\"\nkind = \"{}\"\nneeds = [{}]\nregion = \"{code}\"\nmunicipality = \"Город {}-{m}\"\nlocation = {{ lat = {:.4}, lon = {:.4}, precision = \"street\" }}\nphones = [\"8 ({}) {:03}-{:02}-{:02}\"]\nemails = [\"centre{n}@example.ru\"]\nhours = \"пн–пт 9:00–18:00\"\nage_months = [0, 48]\ncost = \"бесплатно\"\nverified = 2026-11-01\nsources = [{{ doc = \"001\", line = {}, quote = \"{}\" }}]\n+++\nЦентр «{word}» помогает семьям с детьми до четырёх лет. Здесь консультируют психологи и юристы, помогают с документами и пособиями.\n\nОбратиться можно по телефону или лично. Помощь бесплатная.\n",
            KINDS[rng.below(KINDS.len())],
            needs
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", "),
            n % codes.len(),
            lat - 0.8 + m as f64 * 0.2 + rng.below(100) as f64 / 1000.0,
            lon - 1.5 + m as f64 * 0.4 + rng.below(100) as f64 / 1000.0,
            400 + rng.below(500),
            rng.below(1000),
            rng.below(100),
            rng.below(100),
            cited.0,
            cited.1,
        );
        let slug = format!("centr-{n}");
        let region_slug = code.to_lowercase();
        std::fs::write(
            out.join(format!("content/services/{region_slug}/{slug}.md")),
            text,
        )
        .unwrap();
    }
}
