//! Atomic file writes: everything `stance` writes to a named file (score
//! outputs, tables, models) goes to a temporary file in the target's folder
//! first and is renamed over the target only when complete. A run killed at
//! any moment therefore leaves either the old file or the new one, never half
//! of one. (A rename within one folder is atomic on POSIX file systems.)
//!
//! A target that exists and is not a regular file (`/dev/null`, a named pipe,
//! `/dev/stdout`) is written in place: renaming over it would replace the
//! device with a plain file, and a stream has no "old version" to keep.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written. Write to it, then [`AtomicFile::commit`]; dropping it
/// uncommitted deletes the temporary file and leaves the target untouched.
pub struct AtomicFile {
    target: PathBuf,
    tmp: Option<tempfile::NamedTempFile>,
    buf: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `path`. The temporary file lives beside the target so
    /// that the final rename never crosses file systems.
    pub fn create(path: impl AsRef<Path>) -> io::Result<AtomicFile> {
        let target = path.as_ref().to_path_buf();
        if std::fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let file = std::fs::OpenOptions::new().write(true).open(&target)?;
            return Ok(AtomicFile { target, tmp: None, buf: Some(BufWriter::with_capacity(1 << 16, file)) });
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| io::Error::new(e.kind(), format!("creating a temporary file in {}: {e}", dir.display())))?;
        // tempfile creates files readable by their owner only; an output or a
        // model is an ordinary file, so give it the target's permissions if it
        // exists and rw-r--r-- otherwise.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let perms = std::fs::metadata(&target)
                .map(|m| m.permissions())
                .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
            tmp.as_file().set_permissions(perms)?;
        }
        let file = tmp.as_file().try_clone()?;
        Ok(AtomicFile { target, tmp: Some(tmp), buf: Some(BufWriter::with_capacity(1 << 16, file)) })
    }

    /// The file this will become.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs to disk and renames the temporary file over the target.
    pub fn commit(mut self) -> io::Result<()> {
        let mut buf = self.buf.take().expect("buffer present until commit");
        buf.flush()?;
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        let Some(tmp) = self.tmp.take() else {
            return Ok(()); // a device or pipe, written in place
        };
        file.sync_all()?;
        tmp.persist(&self.target)
            .map_err(|e| io::Error::new(e.error.kind(), format!("renaming into {}: {}", self.target.display(), e.error)))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.as_mut().expect("buffer present until commit").write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.buf.as_mut().expect("buffer present until commit").flush()
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_all(path: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new contents").unwrap();
        // Before commit the old file is intact.
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new contents");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropping_uncommitted_leaves_the_old_file_and_no_debris() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.json");
        std::fs::write(&p, "old").unwrap();
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"half of a new").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_all("/dev/null", b"discarded").unwrap();
        assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    }

    #[test]
    fn write_all_creates_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fresh.txt");
        write_all(&p, b"x").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o644);
        }
    }
}
