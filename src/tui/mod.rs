//! The wizard: a ratatui TUI in the Elm style. One state ([`app::App`]), a
//! pure [`app::update`] from actions to effects, a pure [`view::render`];
//! effects that touch the account run in [`worker::Worker`] tasks and come
//! back as actions. [`terminal`] owns the real terminal; tests use
//! [`runtime::run_loop`] with a `TestBackend` and scripted events.

pub mod action;
pub mod advice;
pub mod app;
pub mod difference;
pub mod existing;
pub mod export;
pub mod field;
pub mod keymap;
pub mod preflight;
pub mod runtime;
pub mod screens;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod worker;
