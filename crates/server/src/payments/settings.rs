//! The channels' keys and identities, from the environment. A channel without its settings is
//! off: its notifications are refused (recorded) and recharges through it are unavailable.
//!
//! Keys are PEM or bare base64 (as the channels' tools give them); `@/path` reads a file.

use std::sync::Arc;

use anyhow::Context;
use mr_payments::{SigningKey, VerifyingKey};

#[derive(Debug)]
pub struct Alipay {
    pub app_id: String,
    /// Signs our requests (the app private key).
    pub app_private_key: SigningKey,
    /// Checks Alipay's answers and notifications (the Alipay public key).
    pub alipay_public_key: VerifyingKey,
    pub gateway_url: String,
}

#[derive(Debug)]
pub struct Wechat {
    pub mchid: String,
    pub appid: String,
    /// The APIv3 key: 32 bytes that decrypt notifications.
    pub api_v3_key: Vec<u8>,
    pub merchant_private_key: SigningKey,
    pub merchant_serial: String,
    /// The WeChat Pay public key (or platform certificate's key) and its id.
    pub platform_public_key: VerifyingKey,
    pub platform_serial: String,
    pub api_base: String,
}

#[derive(Debug, Clone, Default)]
pub struct Channels {
    pub alipay: Option<Arc<Alipay>>,
    pub wechat: Option<Arc<Wechat>>,
    /// The channels are the local sandbox gateways (R-P4): orders are marked 沙箱.
    pub sandbox: bool,
}

fn text(get: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Option<String>> {
    match get(name).filter(|v| !v.trim().is_empty()) {
        Some(v) if v.starts_with('@') => std::fs::read_to_string(&v[1..])
            .map(Some)
            .with_context(|| format!("{name}: reading {}", &v[1..])),
        other => Ok(other),
    }
}

impl Channels {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Channels> {
        let need = |name: &str| -> anyhow::Result<String> {
            text(&get, name)?.with_context(|| format!("{name} is required for this channel"))
        };
        let alipay = match text(&get, "ALIPAY_APP_ID")? {
            None => None,
            Some(app_id) => Some(Arc::new(Alipay {
                app_id,
                app_private_key: SigningKey::from_pkcs8(&need("ALIPAY_APP_PRIVATE_KEY")?)
                    .context("ALIPAY_APP_PRIVATE_KEY (PKCS#8)")?,
                alipay_public_key: VerifyingKey::from_spki(&need("ALIPAY_PUBLIC_KEY")?)
                    .context("ALIPAY_PUBLIC_KEY")?,
                gateway_url: text(&get, "ALIPAY_GATEWAY_URL")?
                    .unwrap_or_else(|| "https://openapi.alipay.com/gateway.do".into()),
            })),
        };
        let wechat = match text(&get, "WECHAT_MCHID")? {
            None => None,
            Some(mchid) => {
                let api_v3_key = need("WECHAT_API_V3_KEY")?.trim().as_bytes().to_vec();
                anyhow::ensure!(api_v3_key.len() == 32, "WECHAT_API_V3_KEY must be 32 bytes");
                Some(Arc::new(Wechat {
                    mchid,
                    appid: need("WECHAT_APPID")?,
                    api_v3_key,
                    merchant_private_key: SigningKey::from_pkcs8(&need(
                        "WECHAT_MERCHANT_PRIVATE_KEY",
                    )?)
                    .context("WECHAT_MERCHANT_PRIVATE_KEY (PKCS#8)")?,
                    merchant_serial: need("WECHAT_MERCHANT_SERIAL")?,
                    platform_public_key: VerifyingKey::from_spki(&need(
                        "WECHAT_PLATFORM_PUBLIC_KEY",
                    )?)
                    .context("WECHAT_PLATFORM_PUBLIC_KEY")?,
                    platform_serial: need("WECHAT_PLATFORM_SERIAL")?,
                    api_base: text(&get, "WECHAT_API_BASE")?
                        .unwrap_or_else(|| "https://api.mch.weixin.qq.com".into()),
                }))
            }
        };
        Ok(Channels {
            alipay,
            wechat,
            sandbox: matches!(get("PAYMENT_SANDBOX").as_deref(), Some("on" | "1" | "true")),
        })
    }
}

/// The sandbox Alipay app id (any value works against the local gateway).
pub const SANDBOX_ALIPAY_APP_ID: &str = "2021000000000001";

// Public test keys (crates/server/sandbox-keys/README.md): sandbox mode only.
const SANDBOX_APP_PRIVATE: &str = include_str!("../../sandbox-keys/app_private_pkcs8.pem");
const SANDBOX_APP_PUBLIC: &str = include_str!("../../sandbox-keys/app_public_spki.pem");
const SANDBOX_GATEWAY_PRIVATE: &str =
    include_str!("../../sandbox-keys/alipay_gateway_private_pkcs8.pem");
const SANDBOX_GATEWAY_PUBLIC: &str =
    include_str!("../../sandbox-keys/alipay_gateway_public_spki.pem");

/// The sandbox WeChat Pay merchant and its keys' ids (any values work against the local gateway).
pub const SANDBOX_WECHAT_MCHID: &str = "1900000109";
pub const SANDBOX_WECHAT_APPID: &str = "wx0000000000sandbox";
pub const SANDBOX_WECHAT_API_V3_KEY: &str = "sandboxApiV3Key-0123456789abcdef";
pub const SANDBOX_WECHAT_MERCHANT_SERIAL: &str = "SANDBOX0000MERCHANT0000SERIAL0001";
pub const SANDBOX_WECHAT_PLATFORM_SERIAL: &str = "PUB_KEY_ID_0000SANDBOX000000000001";
const SANDBOX_WECHAT_MERCHANT_PRIVATE: &str =
    include_str!("../../sandbox-keys/wechat_merchant_private_pkcs8.pem");
const SANDBOX_WECHAT_MERCHANT_PUBLIC: &str =
    include_str!("../../sandbox-keys/wechat_merchant_public_spki.pem");
const SANDBOX_WECHAT_PLATFORM_PRIVATE: &str =
    include_str!("../../sandbox-keys/wechat_platform_private_pkcs8.pem");
const SANDBOX_WECHAT_PLATFORM_PUBLIC: &str =
    include_str!("../../sandbox-keys/wechat_platform_public_spki.pem");

impl Channels {
    /// In sandbox mode, a channel left unconfigured talks to this server's own sandbox
    /// gateway with the public test keys, so `make run` can recharge with no set-up.
    pub fn with_sandbox_defaults(mut self, public_base_url: &str) -> anyhow::Result<Channels> {
        let base = public_base_url.trim_end_matches('/');
        if self.sandbox && self.wechat.is_none() {
            self.wechat = Some(Arc::new(Wechat {
                mchid: SANDBOX_WECHAT_MCHID.into(),
                appid: SANDBOX_WECHAT_APPID.into(),
                api_v3_key: SANDBOX_WECHAT_API_V3_KEY.as_bytes().to_vec(),
                merchant_private_key: SigningKey::from_pkcs8(SANDBOX_WECHAT_MERCHANT_PRIVATE)?,
                merchant_serial: SANDBOX_WECHAT_MERCHANT_SERIAL.into(),
                platform_public_key: VerifyingKey::from_spki(SANDBOX_WECHAT_PLATFORM_PUBLIC)?,
                platform_serial: SANDBOX_WECHAT_PLATFORM_SERIAL.into(),
                api_base: format!("{base}{}", super::sandbox_wechat::API_BASE_PATH),
            }));
        }
        if self.sandbox && self.alipay.is_none() {
            self.alipay = Some(Arc::new(Alipay {
                app_id: SANDBOX_ALIPAY_APP_ID.into(),
                app_private_key: SigningKey::from_pkcs8(SANDBOX_APP_PRIVATE)?,
                alipay_public_key: VerifyingKey::from_spki(SANDBOX_GATEWAY_PUBLIC)?,
                gateway_url: format!(
                    "{}{}",
                    public_base_url.trim_end_matches('/'),
                    super::sandbox_alipay::GATEWAY_PATH
                ),
            }));
        }
        Ok(self)
    }
}

/// The sandbox WeChat Pay gateway that answers the default sandbox channel.
pub fn sandbox_wechat_gateway() -> anyhow::Result<super::sandbox_wechat::SandboxWechat> {
    Ok(super::sandbox_wechat::SandboxWechat::new(
        super::sandbox_wechat::Identity {
            platform_key: SigningKey::from_pkcs8(SANDBOX_WECHAT_PLATFORM_PRIVATE)?,
            platform_serial: SANDBOX_WECHAT_PLATFORM_SERIAL.into(),
            // Any key but the platform's forges.
            forger: SigningKey::from_pkcs8(SANDBOX_WECHAT_MERCHANT_PRIVATE)?,
            merchant_public_key: VerifyingKey::from_spki(SANDBOX_WECHAT_MERCHANT_PUBLIC)?,
            merchant_serial: SANDBOX_WECHAT_MERCHANT_SERIAL.into(),
            mchid: SANDBOX_WECHAT_MCHID.into(),
            appid: SANDBOX_WECHAT_APPID.into(),
            api_v3_key: SANDBOX_WECHAT_API_V3_KEY.as_bytes().to_vec(),
        },
    ))
}

/// The sandbox Alipay gateway that answers the default sandbox channel.
pub fn sandbox_gateway() -> anyhow::Result<super::sandbox_alipay::SandboxAlipay> {
    Ok(super::sandbox_alipay::SandboxAlipay::new(
        SigningKey::from_pkcs8(SANDBOX_GATEWAY_PRIVATE)?,
        VerifyingKey::from_spki(SANDBOX_APP_PUBLIC)?,
        SANDBOX_ALIPAY_APP_ID.into(),
        // Any key but the gateway's forges.
        SigningKey::from_pkcs8(SANDBOX_APP_PRIVATE)?,
    ))
}
