//! A spinner on standard error for work that takes more than a moment: shown only on a
//! terminal, only after a short delay, and erased when the work ends.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long work runs before the spinner appears.
const DELAY: Duration = Duration::from_millis(300);
const FRAMES: [char; 4] = ['|', '/', '-', '\\'];

/// Stops and erases itself when dropped.
pub struct Spinner {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts a spinner labelled `message` (it shows after [`DELAY`], on a terminal only).
    pub fn start(message: impl Into<String>) -> Spinner {
        let done = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Spinner { done, thread: None };
        }
        let message = message.into();
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let start = std::time::Instant::now();
            while let Some(left) = DELAY.checked_sub(start.elapsed()) {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::park_timeout(left);
            }
            let mut shown = false;
            let mut frame = 0;
            while !flag.load(Ordering::Relaxed) {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{} {message}", FRAMES[frame % FRAMES.len()]);
                let _ = err.flush();
                shown = true;
                frame += 1;
                drop(err);
                std::thread::park_timeout(Duration::from_millis(100));
            }
            if shown {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{}\r", " ".repeat(message.chars().count() + 2));
                let _ = err.flush();
            }
        });
        Spinner {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// A progress bar on standard error for work over many tenants: shown only on a terminal,
/// redrawn every 100 ms, erased when dropped.
pub struct Bar {
    done: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Starts a bar of `total` units labelled `message` (on a terminal only).
    pub fn start(message: impl Into<String>, total: usize) -> Bar {
        let done = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        if !std::io::stderr().is_terminal() {
            return Bar {
                done,
                count,
                thread: None,
            };
        }
        let message = message.into();
        let (flag, counter) = (done.clone(), count.clone());
        let thread = std::thread::spawn(move || {
            const WIDTH: usize = 30;
            let mut last_len = 0;
            while !flag.load(Ordering::Relaxed) {
                let n = counter.load(Ordering::Relaxed).min(total);
                let filled = (n * WIDTH).checked_div(total).unwrap_or(WIDTH);
                let text = format!(
                    "\r[{}{}] {n}/{total} {message}",
                    "#".repeat(filled),
                    ".".repeat(WIDTH - filled)
                );
                last_len = text.chars().count();
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "{text}");
                let _ = err.flush();
                drop(err);
                std::thread::park_timeout(Duration::from_millis(100));
            }
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(last_len));
            let _ = err.flush();
        });
        Bar {
            done,
            count,
            thread: Some(thread),
        }
    }

    /// Whether it is drawn (standard error is a terminal).
    pub fn shown(&self) -> bool {
        self.thread.is_some()
    }

    /// One more unit done.
    pub fn tick(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
