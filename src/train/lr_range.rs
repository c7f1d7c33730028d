//! The learning-rate range test's arithmetic (Smith 2017, "Cyclical learning rates"; fastai's
//! `lr_find`): rates that rise exponentially step by step, the loss each step records, smoothed,
//! the point where it blows up, and the rate to suggest. Plain numbers: the page draws them too.

use serde::{Deserialize, Serialize};

/// The rates a range test tries: from `min` to `max`, multiplied by the same factor each step,
/// so every decade gets as many steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrRange {
    pub min: f64,
    pub max: f64,
    pub steps: usize,
}

impl Default for LrRange {
    /// Six decades in 100 steps: from rates too small to move anything to ones that wreck any model.
    fn default() -> Self {
        Self { min: 1e-6, max: 1.0, steps: 100 }
    }
}

impl LrRange {
    /// The rate of step `step` (from 0): `min` at the first, `max` at the last.
    pub fn learning_rate(&self, step: usize) -> f64 {
        let progress = step as f64 / self.steps.saturating_sub(1).max(1) as f64;
        self.min * (self.max / self.min).powf(progress)
    }
}

/// One step of the test: the rate it trained at and the loss it measured (before its update),
/// raw and smoothed: the median of the losses of the steps around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrPoint {
    pub learning_rate: f64,
    pub loss: f32,
    pub smoothed: f32,
}

/// Steps either side of a point whose losses its smoothed loss is the median of. Each loss is one
/// small batch's, too noisy to read a slope from. A median, unlike an exponential average, drops a
/// one-step spike instead of spreading it over the steps after (whose fall back from the spike
/// then looks like the steepest descent), and, centred, does not lag behind the rate.
const HALF_WINDOW: usize = 2;
/// The test stops once the smoothed loss exceeds the best one this many times: the rate is far
/// past any that trains.
const BLOW_UP: f32 = 4.0;

/// The curve a range test records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LrCurve {
    pub points: Vec<LrPoint>,
    /// The loss became infinite or not a number, or rose past `BLOW_UP` times its best.
    pub blew_up: bool,
}

impl LrCurve {
    /// Records the loss of a step at `learning_rate`. False once the test should stop: the loss
    /// blew up (a loss that is not finite is not recorded).
    pub fn record(&mut self, learning_rate: f64, loss: f32) -> bool {
        if !loss.is_finite() {
            self.blew_up = true;
            return false;
        }
        self.points.push(LrPoint { learning_rate, loss, smoothed: loss });
        // The newest points' windows have grown by this loss: the newest's is the last few steps.
        let count = self.points.len();
        for i in count.saturating_sub(HALF_WINDOW + 1)..count {
            self.points[i].smoothed = self.median_around(i);
        }
        let best = self.points.iter().map(|p| p.smoothed).fold(f32::INFINITY, f32::min);
        self.blew_up = self.points[count - 1].smoothed > BLOW_UP * best;
        !self.blew_up
    }

    /// The median loss of the steps within `HALF_WINDOW` of step `i`, as far as they are recorded.
    fn median_around(&self, i: usize) -> f32 {
        let window = i.saturating_sub(HALF_WINDOW)..(i + HALF_WINDOW + 1).min(self.points.len());
        let mut losses: Vec<f32> = self.points[window].iter().map(|p| p.loss).collect();
        losses.sort_by(f32::total_cmp);
        let middle = losses.len() / 2;
        if losses.len() % 2 == 1 { losses[middle] } else { (losses[middle - 1] + losses[middle]) / 2.0 }
    }

    /// Where the smoothed loss is lowest.
    pub fn lowest(&self) -> Option<usize> {
        (0..self.points.len()).min_by(|&a, &b| self.points[a].smoothed.total_cmp(&self.points[b].smoothed))
    }

    /// The point to suggest: where the smoothed loss falls fastest per step (so per factor of
    /// the rate), before its lowest point. Not the lowest point itself: there the rate is already
    /// as high as training tolerates, and a run at it for many steps diverges. Not "the lowest
    /// point's rate / 10" either: on a curve that falls late and steeply that lands on the flat
    /// start, where the rate is too small to train. The slope is the central difference, so the
    /// point chosen has a lower loss after it than before it. `None` when the loss never falls.
    pub fn suggestion(&self) -> Option<usize> {
        let lowest = self.lowest()?;
        let smoothed = |i: usize| self.points[i].smoothed;
        (1..lowest)
            .map(|i| (i, smoothed(i + 1) - smoothed(i - 1)))
            .filter(|&(_, slope)| slope < 0.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }

    /// The suggested rate, to two significant figures (the test is not finer than that).
    pub fn suggested_rate(&self) -> Option<f64> {
        self.suggestion().map(|i| two_figures(self.points[i].learning_rate))
    }
}

/// `x` rounded to two significant figures: 0.012589 becomes 0.013.
fn two_figures(x: f64) -> f64 {
    let scale = 10f64.powi(1 - x.abs().log10().floor() as i32);
    // Dividing by a power of ten above 1 keeps small results exact where multiplying by its
    // inverse would not (0.013, not 0.013000000000000001).
    if scale >= 1.0 { (x * scale).round() / scale } else { (x / scale.recip()).round() * scale.recip() }
}
