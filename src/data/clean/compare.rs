//! How the steps compare text: normalised forms, word hashes, and maps keyed by hashes.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// `text` as deduplication compares it: lower case, words separated by one space.
pub(super) fn normalised(text: &str) -> String {
    let mut normal = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !normal.is_empty() {
            normal.push(' ');
        }
        normal.extend(word.chars().flat_map(char::to_lowercase));
    }
    normal
}

/// A word as shingles and n-grams compare it: lower case, without punctuation at its ends.
pub(super) fn word_hash(word: &str) -> u64 {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    if word.chars().any(char::is_uppercase) {
        xxhash_rust::xxh3::xxh3_64(word.to_lowercase().as_bytes())
    } else {
        xxhash_rust::xxh3::xxh3_64(word.as_bytes())
    }
}

/// Maps and sets keyed by XXH3 hashes, which need no hashing again (SipHash would only cost time).
pub(super) type PrehashedMap<K, V> = HashMap<K, V, BuildHasherDefault<Prehashed>>;
pub(super) type PrehashedSet<K> = HashSet<K, BuildHasherDefault<Prehashed>>;

/// Passes a `u64` or `u128` key through as its own hash.
#[derive(Default)]
pub(super) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }

    fn write_u64(&mut self, key: u64) {
        self.0 ^= key;
    }

    fn write_u128(&mut self, key: u128) {
        self.0 ^= key as u64 ^ (key >> 64) as u64;
    }
}
