//! Near-duplicate removal: MinHash signatures of each document's word shingles, bucketed by LSH
//! bands; a document whose estimated Jaccard similarity to an earlier one (kept or removed)
//! reaches the threshold is removed, so each cluster keeps its first document.
//!
//! Written here rather than taken from a crate: MinHash and LSH are a few dozen lines, while the
//! crates that offer them are unmaintained or partial (`gaoya`, last released 2023, brings rayon,
//! crossbeam and four hashers; `datasketch-minhash-lsh` is a 0.0.1 "at your own risk"). Our hash
//! functions come from a fixed seed, so a corpus cleans the same on every machine.

use serde::{Deserialize, Serialize};

use super::compare::{PrehashedMap, word_hash};
use super::{Pass, StepReport};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NearDedupSettings {
    pub enabled: bool,
    /// Words in a shingle (FineWeb: 5).
    pub shingle_words: usize,
    /// Estimated Jaccard similarity of two documents' shingle sets from which the later goes.
    pub threshold: f64,
    /// LSH: a signature is `bands` bands of `rows` MinHash values; documents that share a band
    /// are compared. 20 × 5 finds pairs at 0.8 with probability 0.9996 (1 - (1 - 0.8⁵)²⁰).
    pub bands: usize,
    pub rows: usize,
}

impl Default for NearDedupSettings {
    fn default() -> NearDedupSettings {
        NearDedupSettings { enabled: false, shingle_words: 5, threshold: 0.8, bands: 20, rows: 5 }
    }
}

/// Bounds on the signature's shape, so a stored setting cannot ask for unbounded memory: a
/// signature is at most 2 KB a document.
const MAX_ROWS: usize = 32;
const MAX_SIGNATURE: usize = 512;
/// The seed of the hash functions: fixed, so signatures are the same everywhere.
const SEED: u64 = 0x6770_746c_6162_0001;

pub(super) struct NearDedup {
    shingle_words: usize,
    threshold: f64,
    rows: usize,
    /// Hash function i maps a shingle hash x to (a·x + b) >> 32, a odd (multiply-shift).
    hashers: Vec<(u64, u64)>,
    /// Every signed document's signature, one after another (4 bytes × bands × rows each).
    signatures: Vec<u32>,
    /// Per band: the band's hash → the signatures (their indices) that have it.
    buckets: Vec<PrehashedMap<u64, Vec<u32>>>,
    /// Each signature's document, counted in this step's input from 1.
    numbers: Vec<u32>,
    documents_seen: u32,
}

impl NearDedup {
    pub(super) fn new(settings: &NearDedupSettings) -> NearDedup {
        let rows = settings.rows.clamp(1, MAX_ROWS);
        let bands = settings.bands.clamp(1, MAX_SIGNATURE / rows);
        let mut state = SEED;
        let hashers =
            (0..bands * rows).map(|_| (splitmix64(&mut state) | 1, splitmix64(&mut state))).collect();
        NearDedup {
            shingle_words: settings.shingle_words.max(1),
            threshold: settings.threshold,
            rows,
            hashers,
            signatures: Vec::new(),
            buckets: vec![PrehashedMap::default(); bands],
            numbers: Vec::new(),
            documents_seen: 0,
        }
    }

    /// Hashes of the document's overlapping runs of `shingle_words` words (one shingle for a
    /// shorter document), or nothing for a document without words.
    fn shingles(&self, doc: &str) -> Vec<u64> {
        let words: Vec<u64> = doc.split_whitespace().map(word_hash).collect();
        let n = self.shingle_words.min(words.len()).max(1);
        words.windows(n).map(|run| run.iter().fold(0, |hash, &word| mix(hash ^ word))).collect()
    }

    /// The minimum of each hash function over the shingles.
    fn signature(&self, shingles: &[u64]) -> Vec<u32> {
        let mut signature = vec![u32::MAX; self.hashers.len()];
        for &shingle in shingles {
            for (min, &(a, b)) in signature.iter_mut().zip(&self.hashers) {
                *min = (*min).min((a.wrapping_mul(shingle).wrapping_add(b) >> 32) as u32);
            }
        }
        signature
    }

    fn band_keys<'a>(&self, signature: &'a [u32]) -> impl Iterator<Item = u64> + 'a {
        signature.chunks(self.rows).map(|band| band.iter().fold(0, |hash, &value| mix(hash ^ value as u64)))
    }

    /// The earliest signature that shares a band with `signature` and is similar enough, with
    /// the similarity.
    fn earlier_twin(&self, signature: &[u32]) -> Option<(u32, f64)> {
        let mut candidates: Vec<u32> = self
            .band_keys(signature)
            .zip(&self.buckets)
            .filter_map(|(key, bucket)| bucket.get(&key))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .map(|other| (other, similarity(signature, self.signature_of(other))))
            .find(|&(_, similarity)| similarity >= self.threshold)
    }

    fn signature_of(&self, index: u32) -> &[u32] {
        let len = self.hashers.len();
        &self.signatures[index as usize * len..][..len]
    }

    fn remember(&mut self, signature: &[u32], number: u32) {
        let index = (self.signatures.len() / self.hashers.len()) as u32;
        let keys: Vec<u64> = self.band_keys(signature).collect();
        for (key, bucket) in keys.into_iter().zip(&mut self.buckets) {
            bucket.entry(key).or_default().push(index);
        }
        self.signatures.extend_from_slice(signature);
        self.numbers.push(number);
    }
}

impl Pass for NearDedup {
    fn apply(&mut self, doc: String, report: &mut StepReport) -> Option<String> {
        self.documents_seen += 1;
        let shingles = self.shingles(&doc);
        if shingles.is_empty() {
            return Some(doc);
        }
        let signature = self.signature(&shingles);
        let twin = self.earlier_twin(&signature);
        self.remember(&signature, self.documents_seen);
        let Some((other, similarity)) = twin else { return Some(doc) };
        let other = self.numbers[other as usize];
        let reason =
            format!("near duplicate of document {other} (similarity {similarity:.2} >= {})", self.threshold);
        report.remove_doc("near_duplicates", reason, &doc);
        None
    }
}

/// The fraction of equal MinHash values: an unbiased estimate of the Jaccard similarity.
fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

/// A 64-bit finaliser (from MurmurHash3) that spreads every input bit over the output.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The next of a sequence of seeds, SplitMix64's way: a Weyl sequence through a finaliser.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    mix(*state)
}
