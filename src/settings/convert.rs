//! The flags' value enums as the types the core and the renderers take: `cli` names the
//! spellings a user types, these conversions give them their meaning, one arm per value.

use crate::cli::{
    AllowClass, CheckFormat, ColorChoice, LogFormatArg, OutboundPolicyArg, OutputThreshold,
    SyncFormat,
};

impl From<ColorChoice> for crate::render::color::When {
    fn from(choice: ColorChoice) -> Self {
        match choice {
            ColorChoice::Auto => Self::Auto,
            ColorChoice::Always => Self::Always,
            ColorChoice::Never => Self::Never,
        }
    }
}

impl From<CheckFormat> for crate::render::OutputFormat {
    fn from(format: CheckFormat) -> Self {
        match format {
            CheckFormat::Text => Self::Text,
            CheckFormat::Json => Self::Json,
            CheckFormat::Sarif => Self::Sarif,
            CheckFormat::Github => Self::Github,
            CheckFormat::Gitlab => Self::Gitlab,
        }
    }
}

impl From<OutputThreshold> for meshctl_core::rules::Severity {
    fn from(threshold: OutputThreshold) -> Self {
        match threshold {
            OutputThreshold::Info => Self::Info,
            OutputThreshold::Warning => Self::Warning,
            OutputThreshold::Error => Self::Error,
        }
    }
}

impl From<AllowClass> for meshctl_core::address_class::AddressClass {
    fn from(class: AllowClass) -> Self {
        match class {
            AllowClass::Unspecified => Self::Unspecified,
            AllowClass::Loopback => Self::Loopback,
            AllowClass::LinkLocal => Self::LinkLocal,
            AllowClass::Multicast => Self::Multicast,
            AllowClass::Broadcast => Self::Broadcast,
        }
    }
}

impl SyncFormat {
    /// The findings format, or `None` for `yaml`.
    #[must_use]
    pub fn findings(self) -> Option<crate::render::OutputFormat> {
        use crate::render::OutputFormat;
        match self {
            SyncFormat::Text => Some(OutputFormat::Text),
            SyncFormat::Json => Some(OutputFormat::Json),
            SyncFormat::Sarif => Some(OutputFormat::Sarif),
            SyncFormat::Github => Some(OutputFormat::Github),
            SyncFormat::Gitlab => Some(OutputFormat::Gitlab),
            SyncFormat::Yaml => None,
        }
    }
}

impl From<OutboundPolicyArg> for meshctl_core::model::OutboundPolicy {
    fn from(arg: OutboundPolicyArg) -> Self {
        match arg {
            OutboundPolicyArg::RegistryOnly => Self::RegistryOnly,
            OutboundPolicyArg::AllowAny => Self::AllowAny,
            OutboundPolicyArg::AllowAnyDynamicDns => Self::AllowAnyDynamicDns,
        }
    }
}

impl From<LogFormatArg> for meshctl_proxy::LogFormat {
    fn from(arg: LogFormatArg) -> Self {
        match arg {
            LogFormatArg::Text => Self::Text,
            LogFormatArg::Json => Self::Json,
        }
    }
}
