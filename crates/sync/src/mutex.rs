//! Locking the engine's shared state: a poisoned mutex (a task panicked holding it) still
//! gives its data, since every value guarded here is replaced whole, never left half
//! written. A leaf module, so the modules that share state import no one for it.

use std::sync::Mutex;

/// Locks `m`, taking the data of a poisoned mutex.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
