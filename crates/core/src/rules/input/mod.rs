//! MSH0xx: documents the loader could not use — unreadable (MSH001) or against the CRD schema
//! (MSH002). The loader already collected them as problems; these rules report them, so `check`
//! names every bad file and goes on with the rest.

pub(super) mod msh001_parse_error;
pub(super) mod msh002_schema_violation;
pub(super) mod problems;
