use super::TrainConfig;

/// The learning rate at `step`: 1) linear warmup to the peak, 2) cosine decay to the minimum
/// at `max_steps`, 3) the minimum after that.
pub fn learning_rate(step: usize, config: &TrainConfig) -> f64 {
    let (peak, min) = (config.learning_rate, config.min_learning_rate);
    if step < config.warmup_steps {
        return peak * (step + 1) as f64 / config.warmup_steps as f64;
    }
    if step >= config.max_steps {
        return min;
    }
    let progress =
        (step - config.warmup_steps) as f64 / (config.max_steps - config.warmup_steps).max(1) as f64;
    let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()); // 1 -> 0
    min + cosine * (peak - min)
}
