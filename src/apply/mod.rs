//! From plan to account: observe what exists, diff, apply with a journal, and
//! destroy what a journal says onramp created.

pub mod compare;
pub mod destroy;
pub mod diff;
pub mod journal;
pub mod observe;
pub mod run;
