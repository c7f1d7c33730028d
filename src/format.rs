//! Numbers for people, in one style wherever the page or a message shows them.

/// A size in decimal units, as downloads are measured: `950 B`, `12.3 kB`, `4.5 MB`, `1.25 GB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n < 1_000 => format!("{n} B"),
        n if n < 1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        n if n < 1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// A count of parameters or tokens: `950`, `12.3k`, `4.50M`, `1.25G`.
pub fn count(n: u64) -> String {
    match n {
        n if n < 10_000 => n.to_string(),
        n if n < 1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        n if n < 1_000_000_000 => format!("{:.2}M", n as f64 / 1e6),
        n => format!("{:.2}G", n as f64 / 1e9),
    }
}

/// How far a download is: `1.2 MB of 5.0 MB`, or `1.2 MB` when its size is not known.
pub fn progress(done: u64, total: Option<u64>) -> String {
    match total {
        Some(total) => format!("{} of {}", bytes(done), bytes(total)),
        None => bytes(done),
    }
}

/// A time a step takes: `0.42 ms`, `23.5 ms`, `1.24 s`.
pub fn duration_ms(ms: f64) -> String {
    match ms {
        ms if ms < 10.0 => format!("{ms:.2} ms"),
        ms if ms < 1_000.0 => format!("{ms:.1} ms"),
        ms => format!("{:.2} s", ms / 1e3),
    }
}

/// A setting as a person would write it: `0.01` (not the `0.009999999776` an `f32` widens to),
/// `3e-4`, `0`, `1500`. Six significant digits at most.
pub fn setting(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { "0".into() } else { x.to_string() };
    }
    // Rounding to six significant digits drops the noise of a widened f32; Rust then prints the
    // shortest text that reads back as that number.
    let rounded: f64 = format!("{x:.5e}").parse().unwrap_or(x);
    if rounded.abs() < 1e-3 || rounded.abs() >= 1e7 { format!("{rounded:e}") } else { rounded.to_string() }
}

/// A stretch of time, as a plan states it: `0.8 s`, `45 s`, `12.5 min`, `3.2 h`.
pub fn span(seconds: f64) -> String {
    match seconds {
        s if s < 10.0 => format!("{s:.1} s"),
        s if s < 60.0 => format!("{s:.0} s"),
        s if s < 3600.0 => format!("{:.1} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}
