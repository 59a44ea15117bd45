//! Every file-system rule awsmfa keeps, in one place: this module alone
//! reads small files that someone may have pointed at something hostile,
//! reads and writes files that must stay private, makes and checks private
//! directories, and names the one uid awsmfa trusts.
//!
//! - Bounded reads: a symlink to a huge file, a FIFO, a device, or a kernel
//!   file such as `/proc/kmsg` (which reports as an empty regular file and
//!   blocks on read). [`read_regular`] never follows a symlink in the last
//!   component, never blocks, never opens a device (the entry is judged by
//!   `lstat` before it is opened, and again by `fstat` on what was opened),
//!   refuses files of the kernel's pseudo filesystems, and reads at most
//!   `max + 1` bytes. [`read_private`] also demands that the file be ours
//!   and closed to others.
//! - Private atomic writes ([`write_private`], [`create_private`]): readers
//!   see the old file or the new one, never half of either; the temporary
//!   file is private from its first byte and, on Linux, has no name until
//!   it is complete, so a kill leaves no copy of a secret behind
//!   ([`clean_leftovers`] finds the ones that could still be left).
//! - Private directories: [`ensure_private_dir`] makes (or tightens) one;
//!   [`is_private_dir`] only looks.

use std::fs::{File, Metadata};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

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

// ---------------------------------------------------------------- private files

/// Why [`read_private`] refused a file.
#[derive(Debug)]
pub enum NotPrivate {
    /// Another user could have written or read it: refuse it.
    Foreign(String),
    /// It could not be read (too large, an I/O error).
    Unreadable(String),
}

/// At most `max` bytes of the regular file `path`, which must be ours and
/// private; None when there is none. A symlink, a FIFO (which would block
/// every call), a device or a directory in its place counts as absent:
/// the next write replaces it.
pub fn read_private(path: &Path, max: u64) -> Result<Option<Vec<u8>>, NotPrivate> {
    let found = match read_regular(path, max) {
        Ok(found) => found,
        Err(ReadError::Symlink | ReadError::NotRegular(_) | ReadError::Kernel(_)) => {
            return Ok(None);
        }
        // No directory (or a file where one should be) holds no file.
        Err(ReadError::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(NotPrivate::Unreadable(e.to_string())),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (meta, me) = (&found.meta, my_uid());
        if meta.uid() != me {
            return Err(NotPrivate::Foreign(format!(
                "it belongs to uid {}, not to you (uid {me})",
                meta.uid()
            )));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(NotPrivate::Foreign(format!(
                "its mode {:04o} lets other users at it",
                meta.mode() & 0o7777
            )));
        }
    }
    Ok(Some(found.bytes))
}

/// The owner of `path` when it exists and is not this user.
pub fn foreign_owner(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata(path).ok()?.uid();
        (uid != my_uid()).then_some(uid)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether `meta` is of a file this user owns.
#[cfg(unix)]
pub fn owned_by_me(meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == my_uid()
}

#[cfg(not(unix))]
pub fn owned_by_me(_: &Metadata) -> bool {
    true
}

// ---------------------------------------------------------- private directories

/// Whether `dir` is a directory of this user's that no one else may enter
/// (what the XDG spec demands of `$XDG_RUNTIME_DIR`). Only looks.
#[cfg(unix)]
pub fn is_private_dir(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && m.mode() & 0o077 == 0 && owned_by_me(&m))
}

#[cfg(not(unix))]
pub fn is_private_dir(dir: &Path) -> bool {
    dir.is_dir()
}

/// Make `dir` 0700 from the start (its parents as usual), or tighten it to
/// 0700 if it exists wider. Something else in its place is an error of kind
/// `NotADirectory`, and is never changed.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        other => return other,
    }
    let meta = std::fs::metadata(dir)?;
    // Never chmod what is not ours to change: a file in the way.
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a directory", dir.display()),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------ atomic writes

/// Whether a write must survive a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Flushed to disk, the file and then its directory, before the call
    /// returns: a key (losing it loses every entry), the user's AWS files.
    Durable,
    /// Not flushed: a cache entry, which when torn fails authentication and
    /// is fetched again (an fsync costs milliseconds on a laptop's disk).
    Lossy,
}

/// Whose file [`write_private`] replaces, which decides how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// A file of the user's (`~/.aws/credentials`): written through a
    /// symlink to its target (dotfile managers keep their link), with the
    /// mode the file has (`new_mode` for a new one), durably. A missing
    /// directory is made private.
    Users { new_mode: u32 },
    /// A file of awsmfa's own in a private directory (made or tightened to
    /// 0700): whatever is at the path is replaced (a symlink itself, never
    /// its target; an empty directory), with mode 0600.
    Own(Durability),
}

impl Replace {
    /// A file of the user's, new ones private (`~/.aws/credentials`, and
    /// the journal `rotate` keeps beside it).
    pub const USER: Replace = Replace::Users { new_mode: 0o600 };
}

/// What the temporary files of a write are called, in the directory of the
/// file they replace: [`clean_leftovers`] looks for them.
const TMP_PREFIX: &str = ".awsmfa-";
const TMP_SUFFIX: &str = ".tmp";

/// Whether `name` is that of a temporary file of [`write_private`].
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX)
}

/// Replace `path` with `bytes` atomically, as `how` says (see [`Replace`]):
/// a temporary file in the same directory, written, given its mode,
/// flushed when durable, then renamed over the old one. Readers see the old
/// file or the new one, never half of either; a crash leaves the old one.
///
/// The temporary file holds everything the new file does (secrets
/// included), so a process killed before the rename must not leave it
/// behind. On Linux it has no name until it is complete (`O_TMPFILE`), then
/// is linked and renamed at once: a kill leaves a named copy only between
/// those two calls. Elsewhere, or where the filesystem cannot, it is named
/// from the start. Either way it is locked while this process lives, so
/// [`clean_leftovers`] can tell a leftover from a write under way.
pub fn write_private(path: &Path, bytes: &[u8], how: Replace) -> std::io::Result<()> {
    let (target, dir, mode, durability) = match how {
        Replace::Users { new_mode } => {
            let (target, dir) = target_and_dir(path)?;
            if !dir.exists() {
                ensure_private_dir(&dir)?;
            }
            let mode = match std::fs::metadata(&target) {
                Ok(meta) => mode_of(&meta),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_mode,
                Err(e) => return Err(e),
            };
            (target, dir, mode, Durability::Durable)
        }
        Replace::Own(durability) => {
            let dir = dir_of(path);
            ensure_private_dir(&dir)?;
            (path.to_path_buf(), dir, 0o600, durability)
        }
    };
    let placement = Placement {
        dir: &dir,
        target: &target,
        bytes,
        mode,
        durability,
        clobber: true,
    };
    let write = || place(&placement);
    match write() {
        // An empty directory of our own in the way is not worth keeping
        // either: try once more without it.
        Err(_) if matches!(how, Replace::Own(_)) && std::fs::remove_dir(&target).is_ok() => {
            write().map(drop)
        }
        done => done.map(drop),
    }
}

/// Create `path` (awsmfa's own, durably, 0600) with `bytes` only if nothing
/// is there yet: Ok(false) when another process got there first.
pub fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let dir = dir_of(path);
    ensure_private_dir(&dir)?;
    place(&Placement {
        dir: &dir,
        target: path,
        bytes,
        mode: 0o600,
        durability: Durability::Durable,
        clobber: false,
    })
}

/// One write of `bytes` to a temporary file in `dir`, put at `target` (over
/// what is there when `clobber`): one value for both ways of doing it, the
/// unnamed temporary file and the named one.
struct Placement<'a> {
    dir: &'a Path,
    target: &'a Path,
    bytes: &'a [u8],
    mode: u32,
    durability: Durability,
    clobber: bool,
}

impl Placement<'_> {
    /// Lock (so [`clean_leftovers`] leaves it be), set the mode, write, flush.
    fn fill(&self, file: &File) -> std::io::Result<()> {
        file.lock()?;
        set_mode(file, self.mode)?;
        let mut writer = file;
        writer.write_all(self.bytes)?;
        match self.durability {
            Durability::Durable => file.sync_all(),
            Durability::Lossy => Ok(()),
        }
    }

    /// After the rename: `placed`, once durable if it must be.
    fn settle(&self, placed: bool) -> std::io::Result<bool> {
        match self.durability {
            Durability::Durable => sync_dir(self.dir).map(|()| placed),
            Durability::Lossy => Ok(placed),
        }
    }
}

/// Write and put the file of `p`: Ok(false) when not `clobber` and
/// something is at the target.
fn place(p: &Placement) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    if let Some(done) = unnamed::place(p) {
        return done;
    }
    let tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .tempfile_in(p.dir)?;
    p.fill(tmp.as_file())?;
    let placed = if p.clobber {
        tmp.persist(p.target).map(|_| true).map_err(|e| e.error)
    } else {
        match tmp.persist_noclobber(p.target) {
            Ok(_) => Ok(true),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => Err(e.error),
        }
    }?;
    p.settle(placed)
}

/// The directory of `path`, `.` for a bare name.
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The file a write to `path` replaces (through a symlink) and its directory,
/// where the temporary file goes.
fn target_and_dir(path: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
    let target = match std::fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let dir = dir_of(&target);
    Ok((target, dir))
}

/// The directory where writes of the user's file `path` put their temporary
/// files.
pub fn temp_dir_of(path: &Path) -> PathBuf {
    target_and_dir(path).map_or_else(|_| PathBuf::from("."), |(_, d)| d)
}

/// A rename is durable only once its directory is flushed.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    let _ = dir;
    Ok(())
}

#[cfg(target_os = "linux")]
mod unnamed {
    use super::{Placement, TMP_PREFIX, TMP_SUFFIX};
    use rustix::fs::{AtFlags, CWD, Mode, OFlags, linkat, openat};
    use rustix::io::Errno;
    use std::os::fd::AsRawFd;

    /// [`super::place`] with an unnamed temporary file. None when
    /// `O_TMPFILE` or `/proc/self/fd` is not available here: the caller
    /// then writes a named temporary file instead.
    pub(super) fn place(p: &Placement) -> Option<std::io::Result<bool>> {
        let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
        let fd = match openat(CWD, p.dir, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => fd,
            Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::NOENT | Errno::INVAL) => return None,
            Err(e) => return Some(Err(e.into())),
        };
        let file = std::fs::File::from(fd);
        if let Err(e) = p.fill(&file) {
            return Some(Err(e));
        }
        let source = format!("/proc/self/fd/{}", file.as_raw_fd());
        if !p.clobber {
            // A link fails where anything exists: no-clobber in one step.
            return match linkat(CWD, &source, CWD, p.target, AtFlags::SYMLINK_FOLLOW) {
                Ok(()) => Some(p.settle(true)),
                Err(Errno::EXIST) => Some(Ok(false)),
                Err(_) => None,
            };
        }
        for _ in 0..16 {
            let mut random = [0u8; 8];
            getrandom::fill(&mut random).ok()?;
            let name = p
                .dir
                .join(format!("{TMP_PREFIX}{}{TMP_SUFFIX}", hex::encode(random)));
            match linkat(CWD, &source, CWD, &name, AtFlags::SYMLINK_FOLLOW) {
                Ok(()) => {
                    // From here to the rename is the only moment a kill
                    // leaves a named copy.
                    if let Err(e) = std::fs::rename(&name, p.target) {
                        let _ = std::fs::remove_file(&name);
                        return Some(Err(e));
                    }
                    return Some(p.settle(true));
                }
                Err(Errno::EXIST) => continue,
                Err(_) => return None,
            }
        }
        None
    }
}

/// Remove the temporary files that an awsmfa killed mid-write left in
/// `dir`: each is a whole copy of the file it was replacing, secrets
/// included. Only regular files of this user with awsmfa's temporary name;
/// one still locked belongs to a write under way and stays. Returns what
/// was removed.
pub fn clean_leftovers(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if !is_temp_name(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let meta = std::fs::symlink_metadata(entry.path())?;
        if !meta.file_type().is_file() || !owned_by_me(&meta) {
            continue;
        }
        let Ok(file) = File::open(entry.path()) else {
            continue;
        };
        if file.try_lock().is_ok() {
            std::fs::remove_file(entry.path())?;
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

/// Fail early, before anything irreversible, when the user's file `path`
/// could not be replaced (read-only directory, full disk for a temporary
/// file).
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(".probe")
        .tempfile_in(temp_dir_of(path))
        .map(drop)
}

/// Where `program` (with the platform's executable suffix) is on PATH:
/// the first regular file of that name.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(format!("{program}{}", std::env::consts::EXE_SUFFIX)))
        .find(|p| p.is_file())
}

#[cfg(unix)]
fn mode_of(meta: &Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_: &Metadata) -> u32 {
    0o600
}

#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &File, _: u32) -> std::io::Result<()> {
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
        assert!(
            read_regular(&dir.path().join("none"), 5)
                .unwrap_err()
                .is_not_found()
        );
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

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_mode_and_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_private(&link, b"new", Replace::Users { new_mode: 0o600 }).unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let fresh = dir.path().join("sub/fresh");
        write_private(&fresh, b"x", Replace::Users { new_mode: 0o600 }).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".awsmfa-"))
            .collect();
        assert!(left.is_empty(), "temporary files left behind");
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }

    #[cfg(unix)]
    #[test]
    fn own_files_replace_a_planted_symlink_and_an_empty_directory() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("awsmfa");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "theirs").unwrap();
        ensure_private_dir(&private).unwrap();
        let entry = private.join("entry");
        std::os::unix::fs::symlink(&victim, &entry).unwrap();
        write_private(&entry, b"ours", Replace::Own(Durability::Lossy)).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "theirs");
        assert!(std::fs::symlink_metadata(&entry).unwrap().is_file());
        assert_eq!(
            (std::fs::read(&entry).unwrap(), mode(&entry)),
            (b"ours".to_vec(), 0o600)
        );
        let in_the_way = private.join("key");
        std::fs::create_dir(&in_the_way).unwrap();
        write_private(&in_the_way, b"k", Replace::Own(Durability::Durable)).unwrap();
        assert_eq!(std::fs::read(&in_the_way).unwrap(), b"k");
        let names: Vec<String> = std::fs::read_dir(&private)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| is_temp_name(n)), "{names:?}");
    }

    #[test]
    fn create_private_never_clobbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("cache.key");
        assert!(create_private(&path, b"first").unwrap());
        assert!(!create_private(&path, b"second").unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        #[cfg(unix)]
        assert_eq!((mode(&path), mode(path.parent().unwrap())), (0o600, 0o700));
    }

    #[cfg(unix)]
    #[test]
    fn private_dirs_are_made_tightened_or_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let wide = dir.path().join("wide");
        std::fs::create_dir(&wide).unwrap();
        std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!is_private_dir(&wide), "only looks");
        assert_eq!(mode(&wide), 0o755);
        ensure_private_dir(&wide).unwrap();
        assert!(is_private_dir(&wide));
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = ensure_private_dir(&file).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotADirectory);
        assert!(!is_private_dir(&file));
        assert_eq!(mode(&file), 0o644, "a file in the way is left alone");
        let fresh = dir.path().join("a").join("b");
        ensure_private_dir(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn private_reads_refuse_what_others_could_reach() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        assert!(read_private(&f, 8).unwrap().is_none(), "absent");
        std::fs::write(&f, "secret").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(read_private(&f, 8), Err(NotPrivate::Foreign(_))));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_private(&f, 8).unwrap().unwrap(), b"secret");
        assert!(matches!(
            read_private(&f, 3),
            Err(NotPrivate::Unreadable(_))
        ));
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(
            read_private(&link, 8).unwrap().is_none(),
            "a symlink is no file"
        );
    }

    #[test]
    fn leftovers_are_removed_unless_a_write_holds_them() {
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join(".awsmfa-AbC123.tmp");
        let busy = dir.path().join(".awsmfa-busy00.tmp");
        let other = dir.path().join("credentials");
        for p in [&left, &busy, &other] {
            std::fs::write(p, "x").unwrap();
        }
        let held = File::open(&busy).unwrap();
        held.lock().unwrap();
        assert_eq!(clean_leftovers(dir.path()).unwrap(), vec![left.clone()]);
        assert!(!left.exists() && busy.exists() && other.exists());
        drop(held);
    }
}
