//! From plan to account: check the caller's permissions, observe what
//! exists, diff, apply with a journal, and destroy what a journal says
//! onramp created.

pub mod adopt;
pub mod compare;
pub mod destroy;
pub mod diff;
pub mod graph;
pub mod journal;
pub mod observe;
pub mod ownership;
pub mod permissions;
pub mod preflight;
pub mod restore;
pub mod run;
pub mod schedule;
