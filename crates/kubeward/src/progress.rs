//! A progress bar on stderr for long work (reading thousands of files), shown only when
//! stderr is a terminal and `--quiet` is not given; silent when piped, so logs and CI output
//! stay clean. Drawing is rate-limited by indicatif, so ticking from the parallel readers
//! costs an atomic add.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar over `len` items labelled `what` (`reading`), when stderr is a terminal and not
    /// `quiet`.
    #[must_use]
    pub fn new(quiet: bool, len: u64, what: &str) -> Self {
        if quiet || !std::io::stderr().is_terminal() || std::env::var_os("KUBEWARD_NO_PROGRESS").is_some() {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(10));
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos}/{len} files [{bar:30}] {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    /// One more item done.
    pub fn inc(&self) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }

    /// A new stage with no count (`auditing`).
    pub fn stage(&self, what: &str) {
        if let Some(b) = &self.0 {
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_message(what.to_string());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
