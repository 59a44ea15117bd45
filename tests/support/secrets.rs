//! Looking for a secret where it must not be: in any file under a
//! directory, or a process's output, as raw bytes, hex or base64.

use std::path::{Path, PathBuf};
use std::process::Output;

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                todo.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

pub fn base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// What to look for: the secret as bytes, hex (both cases) and base64
/// (standard and URL alphabets). Base64 depends on where the secret starts
/// relative to a 3-byte group, so each of the three alignments is encoded
/// and only its whole groups are kept (the last one mixes in what follows).
pub fn encodings(secret: &str) -> Vec<String> {
    let b = secret.as_bytes();
    let mut forms = vec![
        secret.to_string(),
        hex_lower(b),
        hex_lower(b).to_uppercase(),
    ];
    for skip in 0..3 {
        for url in [false, true] {
            let enc = base64(&b[skip..], url);
            let whole = (b.len() - skip) / 3 * 4;
            forms.push(enc[..whole].to_string());
        }
    }
    forms
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Fail naming the file and the form if any secret appears in any file.
#[track_caller]
pub fn assert_no_secret_in_files(files: &[PathBuf], secrets: &[(&str, String)]) {
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        for (what, secret) in secrets {
            for form in encodings(secret) {
                assert!(
                    !contains(&bytes, &form),
                    "{what} found in {} (as {form:?})",
                    file.display()
                );
            }
        }
    }
}

#[track_caller]
pub fn assert_no_secret_in_output(o: &Output, secrets: &[(&str, String)]) {
    for (what, secret) in secrets {
        for form in encodings(secret) {
            assert!(
                !contains(&o.stdout, &form) && !contains(&o.stderr, &form),
                "{what} printed by {o:?}"
            );
        }
    }
}

#[test]
fn base64_matches_the_standard() {
    // RFC 4648 test vectors (no padding: only whole groups are compared).
    assert_eq!(base64(b"foobar", false), "Zm9vYmFy");
    assert_eq!(base64(b"fo", false), "Zm8");
    assert_eq!(base64(&[0xfb, 0xff], true), "-_8");
    assert!(encodings("xfoobar").contains(&"Zm9vYmFy".to_string()));
}
