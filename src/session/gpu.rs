//! The GPU beside the CPU. A run's first steps are the CPU's, which is ready at once, while the
//! GPU compiles and tunes the run's kernels (`Devices::warm_up`, with a throwaway model of the
//! same sizes). Once the GPU is warm the run moves there between two steps, weights, moments
//! and step alike, as an autosave carries them, so the chart goes on without a gap or a repeat:
//! - `BackendChoice::WebGpu`: at once;
//! - `Auto`: the session times a few CPU steps (now that the warm-up no longer shares the
//!   worker), then a few of the run's own steps on the GPU, and keeps the run on the faster;
//! - a GPU that stops answering sends the run back to the CPU, from the save made when it moved.

use super::effects::{Backend, Effects};
use super::protocol::{BackendChoice, Event, GpuReport, GpuStatus, Phase};
use super::{Session, SessionError};
use crate::checkpoint;
use crate::format;
use crate::train::{StepShape, WARM_UP_STEPS, check_buffer_limit};

/// Steps timed on each device before the choice.
const TIMED_STEPS: usize = 4;

#[derive(Default)]
pub(super) struct Gpu {
    choice: BackendChoice,
    /// The opened GPU, while it can be used.
    backend: Option<Backend>,
    /// The shape whose kernels are being prepared, and the one whose kernels are ready.
    warming: Option<StepShape>,
    warm: Option<StepShape>,
    /// A shape whose step needs buffers larger than the GPU allows.
    unsuited: Option<StepShape>,
    /// For the warm shape, once measured: whether the GPU is the faster.
    gpu_faster: Option<bool>,
    trial: Option<Trial>,
}

/// A measurement under way, as `(time, step)` where its timing began.
#[derive(Clone, Copy)]
enum Trial {
    Cpu {
        since: (f64, usize),
    },
    /// On the GPU; `since` is set after its first step, which may still compile a kernel.
    Gpu {
        since: Option<(f64, usize)>,
        cpu_ms: f64,
    },
}

impl Session {
    /// Opens the CPU, on which every run starts, and the GPU `choice` allows.
    pub(super) async fn open_devices(&mut self, choice: BackendChoice, fx: &mut impl Effects) {
        self.gpu = Gpu { choice, ..Gpu::default() };
        let note = (choice == BackendChoice::Cpu).then(|| "the CPU was chosen".to_string());
        self.use_device(fx.cpu(), note, fx);
        let status = match choice {
            BackendChoice::Cpu => GpuStatus::Off { reason: "the CPU was chosen".into() },
            _ => match fx.open_gpu(choice).await {
                Ok(gpu) => {
                    self.gpu.backend = Some(gpu);
                    GpuStatus::Idle
                }
                Err(reason) => GpuStatus::Off { reason },
            },
        };
        self.report_gpu(status, fx);
    }

    /// The device the steps run on from now, and why.
    fn use_device(&mut self, mut backend: Backend, note: Option<String>, fx: &mut impl Effects) {
        backend.info.note = note;
        fx.post(Event::Device(backend.info.clone()));
        self.backend = Some(backend);
    }

    fn report_gpu(&mut self, status: GpuStatus, fx: &mut impl Effects) {
        let adapter = self.gpu.backend.as_ref().map(|gpu| gpu.info.clone());
        fx.post(Event::Gpu(GpuReport { adapter, status }));
    }

    fn on_gpu(&self) -> bool {
        self.backend.as_ref().is_some_and(|b| b.info.max_buffer_bytes.is_some())
    }

    /// The GPU the user chose, whose buffers a run must fit before it starts.
    pub(super) fn pinned_gpu(&self) -> Option<&Backend> {
        self.gpu.backend.as_ref().filter(|_| self.gpu.choice == BackendChoice::WebGpu)
    }

    /// Where a new run of `shape` starts: on the GPU when it is warm for it and chosen or
    /// measured the faster, else on the CPU while the GPU prepares.
    pub(super) fn start_device(&mut self, shape: &StepShape, fx: &mut impl Effects) {
        let warm = self.gpu.warm.as_ref().is_some_and(|warm| warm.same_kernels(shape));
        let chosen = self.gpu.choice == BackendChoice::WebGpu || self.gpu.gpu_faster == Some(true);
        self.gpu.trial = None;
        match self.gpu.backend.clone() {
            Some(gpu) if warm && chosen => {
                if !self.on_gpu() {
                    self.use_device(gpu, Some("its kernels are ready for this model".into()), fx);
                }
                self.report_gpu(GpuStatus::InUse, fx);
            }
            _ => {
                if self.on_gpu() {
                    self.use_device(fx.cpu(), Some("the first steps, while the GPU prepares".into()), fx);
                }
            }
        }
    }

    /// Starts warming the GPU up for `shape`, unless it is busy with another or cannot take it.
    fn prepare_gpu(&mut self, shape: &StepShape, fx: &mut impl Effects) {
        let Some(gpu) = self.gpu.backend.clone() else { return };
        if self.gpu.warming.is_some() {
            return; // `warmed_up` starts the next
        }
        if let Some(limit) = gpu.info.max_buffer_bytes
            && let Err(error) = check_buffer_limit(&shape.model, shape.train.batch_size, limit)
        {
            self.gpu.unsuited = Some(shape.clone());
            self.report_gpu(GpuStatus::Off { reason: error.to_string() }, fx);
            return;
        }
        self.gpu.warming = Some(shape.clone());
        fx.warm_up(&gpu, shape);
        self.report_gpu(GpuStatus::Preparing { done: 0, total: WARM_UP_STEPS }, fx);
    }

    /// The warm-up has taken `done` of its steps.
    pub fn warm_up_progress(&mut self, done: usize, fx: &mut impl Effects) {
        if self.gpu.warming.is_some() {
            self.report_gpu(GpuStatus::Preparing { done, total: WARM_UP_STEPS }, fx);
        }
    }

    /// The warm-up `Devices::warm_up` started has ended: the GPU is warm for its shape, or
    /// cannot be used.
    pub async fn warmed_up(&mut self, outcome: Result<(), String>, fx: &mut impl Effects) {
        let Some(shape) = self.gpu.warming.take() else { return };
        if let Err(reason) = outcome {
            self.gpu.backend = None;
            let reason = format!("its kernels could not be prepared ({reason})");
            return self.report_gpu(GpuStatus::Off { reason }, fx);
        }
        self.gpu.warm = Some(shape);
        self.gpu.gpu_faster = None;
        match self.run.as_ref().filter(|run| run.phase.busy()).map(|run| run.shape.clone()) {
            Some(run) if !self.gpu.warm.as_ref().is_some_and(|warm| warm.same_kernels(&run)) => {
                self.prepare_gpu(&run, fx) // a run of other sizes began meanwhile
            }
            Some(_) => self.consider_gpu(fx).await,
            None => self.report_gpu(GpuStatus::Ready { reason: "no run is training".into() }, fx),
        }
    }

    /// Between two steps: starts the GPU's warm-up for the run, moves the run when the GPU is
    /// warm for it and the choice or a measurement says so, and carries the measurement on.
    pub(super) async fn consider_gpu(&mut self, fx: &mut impl Effects) {
        let Some(run) = self.run.as_ref().filter(|run| run.phase == Phase::Training) else { return };
        let Some(gpu) = &self.gpu.backend else { return };
        let gpu = || gpu.clone(); // only to move the run: a backend's clone allocates
        let matches = |shape: &Option<StepShape>| shape.as_ref().is_some_and(|s| s.same_kernels(&run.shape));
        if !matches(&self.gpu.warm) {
            // After the first step, reported: the warm-up's first step can hold the worker for a
            // while (it compiles every kernel of a step) and must not delay it.
            if self.gpu.warming.is_none() && !matches(&self.gpu.unsuited) {
                let shape = run.shape.clone();
                if self.read_losses(true, fx).await {
                    self.prepare_gpu(&shape, fx);
                }
            }
            return;
        }
        let (now, step) = (fx.now_ms(), run.step());
        let ms_per_step = |since: (f64, usize)| (now - since.0) / step.saturating_sub(since.1).max(1) as f64;
        match self.gpu.trial {
            None if self.on_gpu() || self.gpu.gpu_faster.is_some() => {}
            None if self.gpu.choice == BackendChoice::WebGpu => {
                let note =
                    format!("WebGPU was chosen: it took over at step {step}, once its kernels were ready");
                if self.move_run(gpu(), note, fx).await {
                    self.report_gpu(GpuStatus::InUse, fx);
                }
            }
            None => {
                self.gpu.trial = Some(Trial::Cpu { since: (now, step) });
                self.report_gpu(GpuStatus::Measuring, fx);
            }
            Some(Trial::Cpu { since }) if step >= since.1 + TIMED_STEPS => {
                let cpu_ms = ms_per_step(since);
                let note = format!("timing the GPU from step {step}");
                if self.move_run(gpu(), note, fx).await {
                    self.gpu.trial = Some(Trial::Gpu { since: None, cpu_ms });
                }
            }
            Some(Trial::Gpu { since: None, cpu_ms }) => {
                if self.read_losses(false, fx).await {
                    let since = Some((fx.now_ms(), step));
                    self.gpu.trial = Some(Trial::Gpu { since, cpu_ms });
                }
            }
            Some(Trial::Gpu { since: Some(since), cpu_ms }) if step >= since.1 + TIMED_STEPS => {
                // The losses read back: the GPU has finished the steps timed.
                if !self.read_losses(false, fx).await {
                    return;
                }
                let gpu_ms = (fx.now_ms() - since.0) / (step - since.1) as f64;
                self.decide(gpu_ms, cpu_ms, fx).await;
            }
            Some(_) => {}
        }
    }

    /// Keeps the run on the faster device for it, saying why.
    async fn decide(&mut self, gpu_ms: f64, cpu_ms: f64, fx: &mut impl Effects) {
        self.gpu.trial = None;
        let step = self.run.as_ref().map_or(0, |run| run.step());
        let (gpu, cpu) = (format::duration_ms(gpu_ms), format::duration_ms(cpu_ms));
        self.gpu.gpu_faster = Some(gpu_ms < cpu_ms);
        if gpu_ms < cpu_ms {
            let note = format!("the GPU took over at step {step}: {gpu} a step against the CPU's {cpu}");
            if let Some(backend) = self.backend.clone() {
                self.use_device(backend, Some(note), fx);
            }
            self.report_gpu(GpuStatus::InUse, fx);
        } else {
            let reason = format!("the CPU is faster for this model: {cpu} a step against the GPU's {gpu}");
            if self.move_run(fx.cpu(), reason.clone(), fx).await {
                self.report_gpu(GpuStatus::Ready { reason }, fx);
            }
        }
    }

    /// Restarts a measurement after a pause, which its clock must not count.
    pub(super) fn restart_timing(&mut self) {
        self.gpu.trial = match self.gpu.trial {
            Some(Trial::Cpu { .. }) => None,
            Some(Trial::Gpu { cpu_ms, .. }) => Some(Trial::Gpu { since: None, cpu_ms }),
            None => None,
        };
    }

    /// Moves the run to `to` between two steps, through the bytes an autosave holds, and keeps
    /// them as the run's save. False, with the GPU given up, when the move fails: the run stays.
    async fn move_run(&mut self, to: Backend, note: String, fx: &mut impl Effects) -> bool {
        if !self.read_losses(true, fx).await {
            return false;
        }
        match self.moved_run(&to).await {
            Ok(bytes) => {
                self.use_device(to, Some(note), fx);
                self.keep_save(bytes, fx).await;
                true
            }
            Err(error) => {
                self.gpu.backend = None;
                self.gpu.trial = None;
                let reason = format!("the run could not move to it ({error})");
                self.report_gpu(GpuStatus::Off { reason }, fx);
                false
            }
        }
    }

    async fn moved_run(&mut self, to: &Backend) -> Result<Vec<u8>, SessionError> {
        let run = self.run.as_mut().ok_or(SessionError::NoModel)?;
        let bytes = run.save().await?;
        let (model, moments) = checkpoint::load_run(&bytes, &to.device.clone().autodiff())?;
        run.trainer.move_to(&to.device, model, moments);
        Ok(bytes)
    }

    /// The GPU is gone (a driver that hears of it tells the session; a failed read-back finds it
    /// too, through `lost_device`): a run on it goes on on the CPU, and no warm-up is awaited.
    pub async fn gpu_lost(&mut self, reason: String, fx: &mut impl Effects) {
        if self.on_gpu() {
            self.lost_device(reason, fx).await;
        } else if self.gpu.backend.take().is_some() {
            self.gpu.warming = None;
            self.report_gpu(GpuStatus::Lost { reason }, fx);
        }
    }

    /// The device stopped answering (`reason`). A run on the GPU goes on on the CPU from its
    /// last save; anywhere else the run fails.
    pub(super) async fn lost_device(&mut self, reason: String, fx: &mut impl Effects) {
        if !self.on_gpu() {
            return self.fail(SessionError::LostDevice(reason), fx);
        }
        self.gpu = Gpu { choice: self.gpu.choice, ..Gpu::default() };
        self.report_gpu(GpuStatus::Lost { reason }, fx);
        let step = self.run.as_ref().map_or(0, |run| run.step());
        let note = format!("the GPU was lost at step {step}; the run went on from its last save");
        self.use_device(fx.cpu(), Some(note), fx);
        self.run = None; // its weights were on the GPU
        if let Err(error) = self.resume(fx).await {
            self.fail(error, fx);
        }
    }
}
