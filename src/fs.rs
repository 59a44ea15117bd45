//! Bounded reads of small files that someone else may have pointed at
//! something hostile: a symlink to a huge file, a FIFO, a device, or a
//! kernel file such as `/proc/kmsg` (which reports as an empty regular file
//! and blocks on read).
//!
//! [`read_regular`] never follows a symlink in the last component, never
//! blocks, never opens a device (the entry is judged by `lstat` before it is
//! opened, and again by `fstat` on what was opened), refuses files of the
//! kernel's pseudo filesystems, and reads at most `max + 1` bytes.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// The uid awsmfa acts as: the only owner of files and directories it
/// trusts (root included: root trusts only root's).
#[cfg(unix)]
pub fn my_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Why [`read_regular`] refused a file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("it is a symbolic link")]
    Symlink,
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is a kernel file (in {0}), not a regular file")]
    Kernel(&'static str),
    #[error("it is larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("it changed while it was read")]
    Changed,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ReadError {
    /// Whether the file is simply not there (the caller may treat it as absent).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// A file read whole by [`read_regular`], and the metadata of the very file
/// descriptor it was read from (so that owner and mode checks judge what was
/// read, not what the path names a moment later).
#[derive(Debug)]
pub struct Regular {
    pub bytes: Vec<u8>,
    pub meta: Metadata,
}

/// Read the regular file at `path`, at most `max` bytes (see the module doc).
pub fn read_regular(path: &Path, max: u64) -> Result<Regular, ReadError> {
    // Judge the entry before opening it: opening a device or a FIFO can
    // itself have effects (rewind a tape, take a terminal, block).
    let before = std::fs::symlink_metadata(path)?;
    kind(&before)?;
    let file = open(path)?;
    let meta = file.metadata()?;
    kind(&meta)?;
    if !same_file(&before, &meta) {
        return Err(ReadError::Changed);
    }
    pseudo_fs(&file)?;
    if meta.len() > max {
        return Err(ReadError::TooLarge { max });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte more than allowed tells "exactly max" from "grew past it".
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge { max });
    }
    Ok(Regular { bytes, meta })
}

fn kind(meta: &Metadata) -> Result<(), ReadError> {
    let t = meta.file_type();
    if t.is_symlink() {
        return Err(ReadError::Symlink);
    }
    if t.is_file() {
        return Ok(());
    }
    Err(ReadError::NotRegular(describe(t)))
}

#[cfg(unix)]
fn describe(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    match () {
        _ if t.is_dir() => "a directory",
        _ if t.is_fifo() => "a FIFO",
        _ if t.is_socket() => "a socket",
        _ if t.is_char_device() || t.is_block_device() => "a device",
        _ => "a special file",
    }
}

#[cfg(not(unix))]
fn describe(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<File> {
    use rustix::fs::OFlags;
    use std::os::unix::fs::OpenOptionsExt;
    // NOFOLLOW: a symlink swapped in after the lstat fails instead of being
    // followed. NONBLOCK: a FIFO swapped in opens and is then refused by
    // fstat, instead of waiting for a writer. NOCTTY: never adopt a terminal.
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    true
}

/// Kernel pseudo filesystems, whose "regular files" are interfaces: sizes
/// are made up (`/proc/kmsg` says 0 and blocks), reads can have effects.
#[cfg(target_os = "linux")]
const PSEUDO: &[(i64, &str)] = &[
    (0x9fa0, "/proc"),
    (0x6265_6572, "/sys"),
    (0x6462_6720, "debugfs"),
    (0x7472_6163, "tracefs"),
    (0x7363_6673, "securityfs"),
    (0x0027_e0eb, "cgroupfs"),
    (0x6367_7270, "cgroupfs"),
    (0x6265_6570, "configfs"),
    (0xcafe_4a11, "bpffs"),
    (0x6165_676c, "pstore"),
    (0xde5e_81e4, "efivarfs"),
];

#[cfg(target_os = "linux")]
fn pseudo_fs(file: &File) -> Result<(), ReadError> {
    let fs = rustix::fs::fstatfs(file).map_err(std::io::Error::from)?;
    #[allow(clippy::unnecessary_cast)] // f_type's width differs per target
    let magic = fs.f_type as i64;
    match PSEUDO.iter().find(|(m, _)| *m == magic) {
        Some((_, name)) => Err(ReadError::Kernel(name)),
        None => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
fn pseudo_fs(_file: &File) -> Result<(), ReadError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_small_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read_regular(&f, 5).unwrap().bytes, b"12345");
        assert!(matches!(
            read_regular(&f, 4),
            Err(ReadError::TooLarge { max: 4 })
        ));
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(matches!(read_regular(&link, 5), Err(ReadError::Symlink)));
        assert!(matches!(
            read_regular(dir.path(), 5),
            Err(ReadError::NotRegular("a directory"))
        ));
        assert!(read_regular(&dir.path().join("none"), 5)
            .unwrap_err()
            .is_not_found());
        assert!(matches!(
            read_regular(Path::new("/dev/null"), 5),
            Err(ReadError::NotRegular("a device"))
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_files_are_refused_without_blocking() {
        // /proc/kmsg is root-only and blocks on read; /proc/self/status is
        // readable by all: both are kernel files, never read.
        for p in [
            "/proc/self/status",
            "/proc/kmsg",
            "/sys/kernel/mm/transparent_hugepage/enabled",
        ] {
            match read_regular(Path::new(p), 1 << 20) {
                Err(ReadError::Kernel(_)) => {}
                Err(ReadError::Io(e)) if e.kind() != std::io::ErrorKind::WouldBlock => {}
                other => panic!("{p}: {other:?}"),
            }
        }
        assert!(matches!(
            read_regular(Path::new("/proc/self/status"), 1 << 20),
            Err(ReadError::Kernel("/proc"))
        ));
    }
}
