//! The single-threaded runtime the DNS-using commands block on: one lookup or a bounded batch
//! at a time needs no worker threads (the proxy builds its own runtimes).

/// Builds the runtime.
pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
