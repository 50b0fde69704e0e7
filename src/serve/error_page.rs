//! The page the dev server shows instead of stale content while the portal has
//! errors: every problem with file, line, the source line and the hint.

use crate::content::markdown::escape_html;
use crate::diag::{Diagnostics, Severity};

pub fn render(diags: &Diagnostics) -> String {
    let mut items = String::new();
    for d in diags
        .shown()
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        items.push_str("<li><p><strong>");
        items.push_str(&escape_html(&format!(
            "{}:{}:{}",
            d.file, d.pos.line, d.pos.col
        )));
        items.push_str("</strong> — ");
        items.push_str(&escape_html(&d.message));
        items.push_str("</p>");
        if let Some(ex) = &d.excerpt {
            let caret = format!(
                "{}{}",
                " ".repeat(d.caret_offset()),
                "^".repeat(d.width.min(80))
            );
            items.push_str(&format!(
                "<pre>{:>4} | {}\n     | {}</pre>",
                d.pos.line,
                escape_html(ex),
                caret
            ));
        }
        if let Some(h) = &d.hint {
            items.push_str(&format!("<p>Подсказка: {}</p>", escape_html(h)));
        }
        items.push_str("</li>");
    }
    format!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Ошибка в содержимом — opora serve</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><main class=\"wrap\"><h1>Сайт не собрался: {} {}</h1><p>Исправьте файл и сохраните его — страница обновится сама.</p><ol class=\"errors\">{items}</ol></main></body></html>",
        diags.error_count(),
        crate::ru::plural(diags.error_count() as i64, "ошибка", "ошибки", "ошибок")
    )
}
