//! What asks for a reload: a file event, SIGHUP or the periodic rescan. Named by both the
//! watcher, which sends it, and the reloader, which logs it.

/// What asked for a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A watched file or directory changed.
    File,
    /// SIGHUP.
    Signal,
    /// The periodic rescan found files that differ from the configuration in memory.
    Rescan,
}

impl Trigger {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Trigger::File => "file change",
            Trigger::Signal => "SIGHUP",
            Trigger::Rescan => "rescan found a change the watcher missed",
        }
    }
}
