//! The shared analyzer as a tantivy tokenizer, so the index holds exactly the
//! terms the browser's wasm module produces for a query.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Holds the terms of the words it met (`opora_analyzer::Stems`): tantivy
/// keeps one tokenizer per field for the whole index, so each word of the
/// site is stemmed about once.
#[derive(Clone, Default)]
pub struct RussianTokenizer {
    stems: opora_analyzer::Stems,
}

pub const NAME: &str = "opora_ru";

pub struct Stream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for RussianTokenizer {
    type TokenStream<'a> = Stream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Stream {
        let tokens = opora_analyzer::analyze_with(text, &mut self.stems)
            .into_iter()
            .map(|t| Token {
                offset_from: t.start,
                offset_to: t.end,
                position: t.position,
                text: t.term,
                position_length: 1,
            })
            .collect();
        Stream { tokens, next: 0 }
    }
}

impl TokenStream for Stream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
