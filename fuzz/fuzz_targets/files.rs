//! The input shape both config targets share: `~/.aws/config` bytes, a NUL,
//! then `~/.aws/credentials` bytes (no NUL: an empty credentials file).

/// The two files as text, or None when either is not UTF-8 (awsmfa refuses
/// such files before any parser sees them).
pub fn split(data: &[u8]) -> Option<(&str, &str)> {
    let (config, credentials) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    Some((
        std::str::from_utf8(config).ok()?,
        std::str::from_utf8(credentials).ok()?,
    ))
}
