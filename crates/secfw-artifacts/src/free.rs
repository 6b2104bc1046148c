//! Freeing large values off the caller's critical path.

/// Drop `value` on a thread of its own, so that the caller goes on at once: freeing a large
/// ledger or loaded workspace is hundreds of thousands of deallocations (a command-line tool
/// then exits, and the system reclaims the memory wholesale). When no thread can be started,
/// the closure, and `value` in it, is dropped here.
pub fn drop_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().name("secfw-drop".to_owned()).spawn(move || drop(value));
}
