//! Numbers as the page shows them.

use gptlab::format;

#[test]
fn sizes_read_in_the_unit_that_fits() {
    let shown: Vec<String> = [0, 950, 12_345, 4_500_000, 1_250_000_000].map(format::bytes).to_vec();
    assert_eq!(shown, ["0 B", "950 B", "12.3 kB", "4.5 MB", "1.25 GB"]);
}

#[test]
fn counts_read_in_thousands_and_millions() {
    let shown: Vec<String> = [950, 9_999, 12_345, 4_500_000, 2_000_000_000].map(format::count).to_vec();
    assert_eq!(shown, ["950", "9999", "12.3k", "4.50M", "2.00G"]);
}

#[test]
fn a_download_shows_how_much_of_how_much() {
    assert_eq!(format::progress(1_200_000, Some(5_000_000)), "1.2 MB of 5.0 MB");
    assert_eq!(format::progress(1_200_000, None), "1.2 MB");
}

#[test]
fn step_times_read_in_milliseconds_until_a_second() {
    let shown: Vec<String> = [0.4213, 23.46, 999.0, 1_240.0].map(format::duration_ms).to_vec();
    assert_eq!(shown, ["0.42 ms", "23.5 ms", "999.0 ms", "1.24 s"]);
}

#[test]
fn settings_read_as_a_person_would_write_them() {
    assert_eq!(format::setting(0.01f32 as f64), "0.01");
    assert_eq!(format::setting(0.1f32 as f64), "0.1");
    assert_eq!(format::setting(3e-4), "3e-4");
    assert_eq!(format::setting(2.5e-5f32 as f64), "2.5e-5");
    assert_eq!(format::setting(0.003), "0.003");
    assert_eq!(format::setting(1.0), "1");
    assert_eq!(format::setting(1500.0), "1500");
    assert_eq!(format::setting(0.0), "0");
    assert_eq!(format::setting(0.05), "0.05");
}
