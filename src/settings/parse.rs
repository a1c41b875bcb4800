//! Value parsers for the flags `cli` declares: text → typed value before any work, so a bad
//! value is clap's exit 2 with one line naming the flag. `meshctl.toml` reads its durations and
//! nameservers through the same functions, so the file and the flags accept the same spellings.

use std::net::SocketAddr;

/// `--admin`: where the admin server listens, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAddr {
    /// `off`.
    Off,
    /// `IP:PORT`.
    At(SocketAddr),
}

/// `--forward` through [`parse_forward`], with errors that quote the value only redacted:
/// clap's own `invalid value '…'` would print a DSN password as typed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ForwardParser;

impl clap::builder::TypedValueParser for ForwardParser {
    type Value = (SocketAddr, String, u16);

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let shown = meshctl_core::target::redact(&value.to_string_lossy());
        let invalid = |message: String| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!(
                    "invalid value '{shown}' for '--forward <LISTEN=HOST:PORT>': {message}\n\nFor more information, try '--help'.\n"
                ),
            )
            .with_cmd(cmd)
        };
        let text = value.to_str().ok_or_else(|| invalid("not UTF-8".into()))?;
        parse_forward(text).map_err(invalid)
    }
}

impl clap::builder::TypedValueParser for RuleCodeParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(meshctl_core::rules::Rule::ALL.iter().map(
            |rule| clap::builder::PossibleValue::new(rule.code()).help(rule.info().summary),
        )))
    }
}

/// Parses `LISTEN=HOST:PORT`; LISTEN is `IP:PORT` or a bare port on 127.0.0.1.
///
/// # Errors
/// A message naming the part that is wrong (passwords redacted).
pub(crate) fn parse_forward(text: &str) -> Result<(SocketAddr, String, u16), String> {
    use meshctl_core::target::redact;
    let Some((listen, target)) = text.split_once('=') else {
        return Err(format!("`{}` is not LISTEN=HOST:PORT", redact(text)));
    };
    let listen = match listen.parse::<u16>() {
        Ok(port) => SocketAddr::from(([127, 0, 0, 1], port)),
        Err(_) => listen
            .parse::<SocketAddr>()
            .map_err(|_| format!("`{}` is not IP:PORT or a port", redact(listen)))?,
    };
    let target = meshctl_core::target::Target::parse(target).map_err(|e| e.to_string())?;
    let Some(port) = target.port.filter(|p| *p > 0) else {
        return Err(format!("`{}` has no port: write HOST:PORT", target.display));
    };
    Ok((listen, target.host, port))
}

/// Parses `--admin`: an address or `off`.
///
/// # Errors
/// A message when it is neither.
pub(crate) fn parse_admin(text: &str) -> Result<AdminAddr, String> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(AdminAddr::Off);
    }
    text.parse()
        .map(AdminAddr::At)
        .map_err(|_| format!("`{text}` is not IP:PORT or `off`"))
}

/// Parses `key=value`.
///
/// # Errors
/// A message when there is no `=` or the key is empty.
pub(crate) fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// A rule code, prefix or name: any text is accepted (the selection checks it), and every rule
/// code is offered to shell completion with its summary.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleCodeParser;

/// Parses `500ms`, `2s`, `1m` (humantime syntax).
///
/// # Errors
/// A message naming the accepted forms.
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 500ms, 2s or 1m ({e})"))
}

/// Parses `IP` or `IP:PORT` (`[v6]:PORT` for IPv6 with a port); port 53 by default.
///
/// # Errors
/// A message when the text is not an IP address with an optional port.
pub(crate) fn parse_nameserver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("`{text}` is not an IP address with an optional port"))
}
