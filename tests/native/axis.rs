//! The loss chart's axis: linear and log scales, their ranges and ticks.

use gptlab::axis::{Axis, Scale};

fn labels(axis: &Axis) -> Vec<String> {
    axis.ticks().into_iter().map(|t| t.label).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn a_linear_axis_runs_from_zero_to_a_round_number_with_round_ticks() {
    let axis = Axis::fit(Scale::Linear, [5.6, 2.0, 3.1]);
    assert_eq!((axis.low, axis.high), (0.0, 6.0));
    assert_eq!(labels(&axis), ["0", "2", "4", "6"]);
    assert!(close(axis.position(3.0), 0.5));
    let small = Axis::fit(Scale::Linear, [0.9, 0.2]);
    assert_eq!(labels(&small), ["0.0", "0.5", "1.0"]);
    let empty = Axis::fit(Scale::Linear, []);
    assert!(empty.high > 0.0 && labels(&empty)[0].starts_with('0'));
}

#[test]
fn a_log_axis_gives_equal_ratios_equal_space_and_ticks_at_1_2_5() {
    let axis = Axis::fit(Scale::Log, [5.6, 0.08, 1.3]);
    assert_eq!((axis.low, axis.high), (0.08, 5.6));
    assert_eq!(labels(&axis), ["0.1", "0.2", "0.5", "1", "2", "5"]);
    assert!(close(axis.position(0.08), 0.0) && close(axis.position(5.6), 1.0));
    let step = |a: f64, b: f64| axis.position(b) - axis.position(a);
    assert!(close(step(0.1, 0.2), step(1.0, 2.0)) && close(step(0.1, 1.0), step(0.5, 5.0)));
}

#[test]
fn a_log_axis_over_many_decades_ticks_the_decades_and_over_a_narrow_range_every_digit() {
    assert_eq!(labels(&Axis::fit(Scale::Log, [0.001, 12.0])), ["0.001", "0.01", "0.1", "1", "10"]);
    assert_eq!(labels(&Axis::fit(Scale::Log, [1.1, 4.5])), ["2", "3", "4"]);
    // Too narrow for two ticks: widened to the ticks either side.
    let narrow = Axis::fit(Scale::Log, [2.1, 2.3]);
    assert_eq!((narrow.low, narrow.high), (2.0, 3.0));
    assert_eq!(labels(&narrow), ["2", "3"]);
    let flat = Axis::fit(Scale::Log, [0.25, 0.25]);
    assert!(flat.low < 0.25 && flat.high > 0.25 && flat.ticks().len() >= 2, "{flat:?}");
}

#[test]
fn a_log_axis_ignores_values_it_cannot_place() {
    let axis = Axis::fit(Scale::Log, [0.0, -1.0, f64::NAN, 3.0, 0.3]);
    assert_eq!((axis.low, axis.high), (0.3, 3.0));
    assert_eq!(axis.position(0.0), 0.0, "a loss of zero sits at the bottom");
    let empty = Axis::fit(Scale::Log, []);
    assert!(empty.low > 0.0 && empty.high > empty.low && !empty.ticks().is_empty());
}

#[test]
fn scales_are_chosen_by_name() {
    for scale in Scale::ALL {
        assert_eq!(Scale::from_name(scale.name()), Some(scale));
    }
    assert_eq!(Scale::from_name("log"), Some(Scale::Log));
    assert_eq!(Scale::from_name("cubic"), None);
}
