//! A chart's value axis, linear or logarithmic: the range that holds the data, where a value
//! sits on it, and ticks at round numbers. A loss falls fast and then slowly; on a log axis the
//! slow part stays readable.

/// How values map onto the axis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scale {
    #[default]
    Linear,
    /// Equal ratios take equal space: 0.1 to 1 as much as 1 to 10.
    Log,
}

impl Scale {
    pub const ALL: [Scale; 2] = [Scale::Linear, Scale::Log];

    pub fn name(self) -> &'static str {
        match self {
            Scale::Linear => "linear",
            Scale::Log => "log",
        }
    }

    pub fn from_name(name: &str) -> Option<Scale> {
        Scale::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A value axis from `low` (the bottom) to `high` (the top).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub scale: Scale,
    pub low: f64,
    pub high: f64,
}

/// A labelled value on the axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub value: f64,
    pub label: String,
}

/// Ticks per axis a linear scale aims at.
const LINEAR_TICKS: f64 = 4.0;
/// The mantissas of a log axis's ticks, sparsest first: decades only over a wide range, then
/// 1-2-5, then every digit over a narrow one.
const LOG_MANTISSAS: [&[f64]; 3] = [&[1.0], &[1.0, 2.0, 5.0], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]];
/// Slack for values computed in floating point that should sit on a tick.
const EPSILON: f64 = 1e-9;

impl Axis {
    /// An axis that holds every finite value of `values`. Linear: from 0 up to a round number
    /// at or above the largest. Log: from the smallest positive value to the largest, widened
    /// where needed to hold at least two ticks. Without values, a range to draw empty.
    pub fn fit(scale: Scale, values: impl IntoIterator<Item = f64>) -> Axis {
        let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        match scale {
            Scale::Linear => {
                let peak = values.iter().copied().fold(0.0, f64::max).max(1e-3);
                let step = linear_step(peak);
                Axis { scale, low: 0.0, high: (peak / step - EPSILON).ceil() * step }
            }
            Scale::Log => {
                let positive = values.iter().copied().filter(|&v| v > 0.0);
                let low = positive.clone().fold(f64::INFINITY, f64::min);
                let high = positive.fold(0.0, f64::max);
                let (mut low, mut high) = if high > 0.0 { (low, high) } else { (0.1, 10.0) };
                if high / low < 1.0 + EPSILON {
                    (low, high) = (low / 1.2, high * 1.2);
                }
                let digits = LOG_MANTISSAS[2];
                if log_ticks(low, high, digits).len() < 2 {
                    // A narrow range: out to the ticks either side.
                    low = log_ticks(low / 10.0, low, digits).last().map_or(low, |t| t.value);
                    high = log_ticks(high, high * 10.0, digits).first().map_or(high, |t| t.value);
                }
                Axis { scale, low, high }
            }
        }
    }

    /// Where `value` sits: 0 at the bottom, 1 at the top (clamped there beyond them).
    pub fn position(&self, value: f64) -> f64 {
        let fraction = match self.scale {
            Scale::Linear => (value - self.low) / (self.high - self.low),
            Scale::Log => (value.max(self.low).ln() - self.low.ln()) / (self.high.ln() - self.low.ln()),
        };
        if fraction.is_nan() { 0.0 } else { fraction.clamp(0.0, 1.0) }
    }

    /// Round values inside the axis, bottom first. Linear: multiples of 1, 2 or 5 times a power
    /// of ten, some four of them. Log: powers of ten, or 1-2-5 or every digit times them where
    /// the sparser set would leave fewer than three.
    pub fn ticks(&self) -> Vec<Tick> {
        match self.scale {
            Scale::Linear => {
                let step = linear_step(self.high);
                let decimals = decimals_for(step);
                let count = ((self.high - self.low) / step + EPSILON).floor() as usize;
                (0..=count)
                    .map(|i| self.low + i as f64 * step)
                    .map(|value| Tick { value, label: format!("{value:.decimals$}") })
                    .collect()
            }
            Scale::Log => {
                let mut ticks = Vec::new();
                for mantissas in LOG_MANTISSAS {
                    ticks = log_ticks(self.low, self.high, mantissas);
                    if ticks.len() >= 3 {
                        break;
                    }
                }
                ticks
            }
        }
    }
}

/// A round step that cuts `0..high` into about `LINEAR_TICKS` parts: 1, 2 or 5 times a power of ten.
fn linear_step(high: f64) -> f64 {
    let raw = high / LINEAR_TICKS;
    let magnitude = 10f64.powf(raw.log10().floor());
    let mantissa = [1.0, 2.0, 5.0, 10.0].into_iter().find(|&m| m * magnitude >= raw * (1.0 - EPSILON));
    mantissa.unwrap_or(10.0) * magnitude
}

/// Each `mantissa` times each power of ten that falls within `low..=high`, ascending.
fn log_ticks(low: f64, high: f64, mantissas: &[f64]) -> Vec<Tick> {
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    let mut ticks = Vec::new();
    for exponent in first..=last {
        for &mantissa in mantissas {
            let value = mantissa * 10f64.powi(exponent);
            if value >= low * (1.0 - EPSILON) && value <= high * (1.0 + EPSILON) {
                let decimals = usize::try_from(-exponent).unwrap_or(0);
                ticks.push(Tick { value, label: format!("{value:.decimals$}") });
            }
        }
    }
    ticks
}

/// Decimals that show a multiple of `step`: none for 1 and up, one for 0.1 to 0.9, and so on.
fn decimals_for(step: f64) -> usize {
    usize::try_from(-(step.log10() + EPSILON).floor() as i64).unwrap_or(0)
}
