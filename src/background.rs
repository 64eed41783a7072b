//! Freeing large values off the critical path.
//!
//! A snapshot of 100k resources, or the Terraform document generated from
//! it, is millions of small allocations; freeing one takes 0.1–0.3 s on the
//! machines in docs/PERFORMANCE.md. Nothing waits for that memory, so it is
//! freed on a detached thread while the next stage runs (or while the
//! process exits, which makes the work moot).

/// Drops `value` on a detached thread. Never fails: when no thread can be
/// started, the closure holding `value` is dropped by `spawn` itself, here.
pub fn drop_later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("atg-drop".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_dropped() {
        struct Flag(std::sync::mpsc::Sender<()>);
        impl Drop for Flag {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        drop_later(Flag(tx));
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("dropped on the background thread");
    }
}
