//! MSH0xx: documents the loader could not use — unreadable (MSH001) or against the CRD schema
//! (MSH002) — and inputs that are not what the user meant to check: a near miss of an Istio
//! kind (MSH003), no Istio resource at all (MSH004), or a suppression that suppresses nothing
//! (MSH005). The loader already collected the problems;
//! these rules report them, so `check` names every bad file and goes on with the rest.

pub(super) mod msh001_parse_error;
pub(super) mod msh002_schema_violation;
pub(super) mod msh003_misspelled_istio_kind;
pub(super) mod msh004_nothing_checked;
pub(super) mod msh005_unused_suppression;
pub(super) mod problems;
