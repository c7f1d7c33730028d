//! Text for people from bytes a model wrote. An untrained model over bytes writes sequences that
//! are not UTF-8; a lossy decode turns each into U+FFFD, rows of "�" that all look alike. Here
//! every such byte shows as itself, `\x9f`, and valid characters as themselves. Control
//! characters are valid but show as nothing or as an empty box: `printable` spells them out too.

use std::fmt::Write;

/// `bytes` as text: valid UTF-8 unchanged, each byte that is not part of a valid character as
/// `\xNN` (lower-case hex), as `Tokenizer::pieces` shows a lone byte token.
pub fn readable(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            write!(text, "\\x{byte:02x}").expect("writing to a String cannot fail");
        }
    }
    text
}

/// `text` with each control character but tab, line feed and carriage return spelled out: `\x1b`
/// (`\u{85}` from U+0080 on, which is not a byte), so that none shows as nothing or as a box.
pub fn printable(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => shown.push(c),
            c if c.is_control() && c.is_ascii() => {
                write!(shown, "\\x{:02x}", c as u32).expect("writing to a String cannot fail")
            }
            c if c.is_control() => {
                write!(shown, "\\u{{{:x}}}", c as u32).expect("writing to a String cannot fail")
            }
            c => shown.push(c),
        }
    }
    shown
}
