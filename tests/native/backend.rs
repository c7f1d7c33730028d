//! The CPU backend's patched ops (`vendor/burn-flex`) agree with the standard library.

use burn::prelude::*;

use super::floats;

fn exp_on_the_cpu_backend(values: &[f32]) -> Vec<f32> {
    let tensor = Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &Device::flex());
    floats(tensor.exp())
}

#[test]
fn exp_matches_f64_exp_across_f32s_range() {
    let values: Vec<f32> = (-1_000_000..=1_000_000).map(|i| i as f32 / 10_000.0).collect();
    for (&x, &ours) in values.iter().zip(&exp_on_the_cpu_backend(&values)) {
        let exact = (x as f64).exp();
        if exact > f32::MAX as f64 {
            assert_eq!(ours, f32::INFINITY, "exp({x})");
        } else if exact < 1e-37 {
            // At the bottom of f32's normal range, and below it, the result may be flushed to zero.
            assert!((0.0..=1e-37).contains(&ours), "exp({x}) = {ours}");
        } else {
            let relative_error = ((ours as f64) - exact).abs() / exact;
            assert!(relative_error < 1e-6, "exp({x}) = {ours}, exactly {exact}");
        }
    }
}

#[test]
fn exp_keeps_nan_and_the_infinities_apart() {
    let special = [f32::NAN, f32::NEG_INFINITY, f32::INFINITY, 0.0, -0.0, f32::MAX, f32::MIN];
    let ours = exp_on_the_cpu_backend(&special);
    assert!(ours[0].is_nan(), "exp(NaN) = {}", ours[0]);
    assert_eq!(&ours[1..], &[0.0, f32::INFINITY, 1.0, 1.0, f32::INFINITY, 0.0]);
}
