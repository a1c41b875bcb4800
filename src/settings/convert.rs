//! The flags' value enums as the types the core and the renderers take: `cli` names the
//! spellings a user types, these conversions give them their meaning, one arm per value.

use crate::cli::{
    AllowClass, ApiVersion, CheckFormat, ColorChoice, GenResolution, LogFormatArg,
    OutboundPolicyArg, OutputThreshold, PolicyModeArg, PortProtocol, SyncFormat,
};
use meshctl_core::model::Resolution;
use meshctl_core::pinning::AllowedClasses;

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

impl From<PolicyModeArg> for meshctl_proxy::PolicyMode {
    fn from(arg: PolicyModeArg) -> Self {
        match arg {
            PolicyModeArg::Enforce => Self::Enforce,
            PolicyModeArg::Report => Self::Report,
        }
    }
}

/// The classes `--allow-address-class` lets through.
pub(crate) fn allowed_classes(flags: &[AllowClass]) -> AllowedClasses {
    let mut allowed = AllowedClasses::NONE;
    for class in flags {
        allowed.insert((*class).into());
    }
    allowed
}

/// `--api-version` as the version part of `apiVersion`.
pub(crate) fn api_version(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V1 => "v1",
        ApiVersion::V1beta1 => "v1beta1",
        ApiVersion::V1alpha3 => "v1alpha3",
    }
}

/// `--protocol` as Istio spells it in `ports[].protocol`.
pub(crate) fn protocol(protocol: PortProtocol) -> &'static str {
    match protocol {
        PortProtocol::Tcp => "TCP",
        PortProtocol::Mysql => "MYSQL",
        PortProtocol::Mongo => "MONGO",
        PortProtocol::Redis => "REDIS",
        PortProtocol::Tls => "TLS",
    }
}

impl From<GenResolution> for Resolution {
    fn from(resolution: GenResolution) -> Self {
        match resolution {
            GenResolution::None => Resolution::None,
            GenResolution::Static => Resolution::Static,
            GenResolution::Dns => Resolution::Dns,
            GenResolution::DnsRoundRobin => Resolution::DnsRoundRobin,
        }
    }
}
