//! Writing exports to disk: the only part of `export` that does I/O, shared
//! by the `export` command and the wizard.

use std::path::{Path, PathBuf};

use super::Format;
use super::policies;
use crate::plan::Plan;

/// Writes a single-file export; the script is made executable.
pub fn write_file(path: &Path, text: &str, format: Format) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    #[cfg(unix)]
    if format == Format::Cli {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("cannot make {} executable: {e}", path.display()))?;
    }
    Ok(())
}

/// Writes every policy document of the plan into `dir` (created if
/// missing); returns the files written, in plan order.
pub fn write_policies(plan: &Plan, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    policies::policy_files(plan)
        .into_iter()
        .map(|f| {
            let path = dir.join(&f.file_name);
            std::fs::write(&path, &f.contents)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(path)
        })
        .collect()
}

/// Writes the export of `plan` in `format` to `path` (a directory for
/// policies); returns the full path written, for showing to the user.
pub fn write_export(plan: &Plan, format: Format, path: &Path) -> Result<PathBuf, String> {
    match format {
        Format::Policies => {
            write_policies(plan, path)?;
        }
        _ => write_file(path, &super::render(plan, format)?, format)?,
    }
    Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}
