//! Ctrl-C: long work stops at a clean point and says how to resume; short work ends at once.
//!
//! [`install`] sets the handler once per process. Work that can stop cleanly (a sweep's
//! runner, which commits every finished run) calls [`guard`] while it runs and checks
//! [`requested`] between units of work; it then ends with [`Interrupted`]. A Ctrl-C outside
//! such a guard, or a second Ctrl-C, ends the process at once with exit code 130.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static GUARDS: AtomicUsize = AtomicUsize::new(0);

/// The exit code of interrupted work (128 + SIGINT), as shells report it.
pub const EXIT_CODE: u8 = 130;

/// Work that stopped because the user asked it to; what was finished is kept.
#[derive(Debug, thiserror::Error)]
#[error("interrupted; {resume}")]
pub struct Interrupted {
    /// What rerunning does, e.g. "rerun the same command to resume".
    pub resume: String,
}

/// Installs the Ctrl-C handler (once; later calls do nothing).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let again = REQUESTED.swap(true, Ordering::SeqCst);
            if again || GUARDS.load(Ordering::SeqCst) == 0 {
                eprintln!("\ninterrupted");
                std::process::exit(i32::from(EXIT_CODE));
            }
            eprintln!("\nstopping after the runs in flight (Ctrl-C again to stop now)");
        });
    });
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Asks the work in progress to stop as Ctrl-C does, without the handler: for a host that
/// catches Ctrl-C itself (the Python module, which sees it as `KeyboardInterrupt`).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Forgets a request to stop, once the work it stopped has ended, so the next work in the
/// same process runs (the CLI ends instead; the Python module lives on).
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// While a guard lives, Ctrl-C asks the work to stop instead of ending the process.
#[derive(Debug)]
pub struct Guard(());

/// Marks the start of work that stops cleanly on [`requested`].
pub fn guard() -> Guard {
    GUARDS.fetch_add(1, Ordering::SeqCst);
    Guard(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        GUARDS.fetch_sub(1, Ordering::SeqCst);
    }
}
