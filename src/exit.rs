//! How a command ends: the process exit code `main` maps it to, the same for every command
//! (0 yes, 1 no, 2 could not answer), as `check`'s users script against it.

/// How a command ended, mapped to the process exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: yes — resolved, generated, allowed, nothing to report.
    Success,
    /// 1: no — no records, denied, findings at or above the threshold.
    Failure,
    /// 2: could not answer — usage, input, resolver or internal error.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}
