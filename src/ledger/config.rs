//! The ledger's configuration: `PASSBRIDGE_LEDGER` (which routes are
//! recorded), `PASSBRIDGE_LEDGER_DAYS`, `PASSBRIDGE_DELIVERY_KEY`, the D1
//! binding, and what `GET /health` says about them.

use crate::answer::{failure, Answer};
use crate::error::Error;
use crate::json::push_json_string;
use crate::template::Template;

/// The D1 binding's name in `worker.toml`.
pub const BINDING: &str = "LEDGER";

/// A `pending` row older than this belongs to an instance that died while sending.
pub const PENDING_STALE_MS: u64 = 120_000;

/// The `updated_at` before which a `pending` row is stale at `now`.
pub fn stale_before(now: u64) -> u64 {
    now.saturating_sub(PENDING_STALE_MS)
}

/// `PASSBRIDGE_LEDGER_DAYS` default and minimum (Klaviyo resends for 24 hours).
pub const DEFAULT_DAYS: u64 = 7;
pub const MIN_DAYS: u64 = 2;
/// Rows deleted per statement of one retention run (the cron runs again).
pub const RETENTION_BATCH: u64 = 500;

/// `Retry-After` of a `delivery_in_progress` answer.
pub const IN_PROGRESS_RETRY_AFTER_S: u64 = 30;

/// Whether a route's operation is idempotent (its provider says so): sending
/// a non-idempotent one twice may apply the change twice (a balance credit, a
/// second pass).
pub fn is_idempotent(route: &str) -> bool {
    crate::providers::REGISTRY
        .operation(route)
        .is_none_or(|o| o.idempotent)
}

/// `PASSBRIDGE_LEDGER`: which routes are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The non-idempotent routes, and the ordered ones (default).
    Auto,
    /// Every route.
    All,
    /// None.
    Off,
}

impl Mode {
    pub fn parse(value: Option<&str>) -> Result<Mode, Error> {
        match value.map(str::trim) {
            None | Some("") | Some("auto") => Ok(Mode::Auto),
            Some("all") => Ok(Mode::All),
            Some("off") => Ok(Mode::Off),
            Some(_) => Err(Error::invalid_config(
                "PASSBRIDGE_LEDGER must be auto, all or off",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::All => "all",
            Mode::Off => "off",
        }
    }

    /// Whether a delivery that names a pass (an ordered route: PassNinja
    /// update and delete, The Wallet Crew) is recorded: under `auto` and
    /// `all`, so that the newest delivery for a pass wins. Under `auto`
    /// without the D1 binding such a delivery is sent unrecorded, as before.
    pub fn orders(self) -> bool {
        self != Mode::Off
    }

    /// Whether deliveries of `route` must be recorded (a missing binding is
    /// then a configuration error); see also [`Mode::orders`].
    pub fn records(self, route: &str) -> bool {
        match self {
            Mode::Auto => !is_idempotent(route),
            Mode::All => true,
            Mode::Off => false,
        }
    }
}

/// `PASSBRIDGE_LEDGER_DAYS`: a whole number of days, at least [`MIN_DAYS`].
pub fn parse_days(value: Option<&str>) -> Result<u64, Error> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_DAYS);
    };
    match v.parse::<u64>() {
        Ok(d) if (MIN_DAYS..=3650).contains(&d) => Ok(d),
        _ => Err(Error::invalid_config(format!(
            "PASSBRIDGE_LEDGER_DAYS must be a whole number of days from {MIN_DAYS} to 3650 (Klaviyo resends for 24 hours)"
        ))),
    }
}

/// `PASSBRIDGE_DELIVERY_KEY`: a template rendered from the body's person and event.
pub fn parse_key_template(value: Option<&str>) -> Result<Option<Template>, Error> {
    let Some(src) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    Template::parse(src).map(Some).map_err(|e| {
        Error::invalid_template(format!(
            "invalid template in PASSBRIDGE_DELIVERY_KEY at position {}: {}",
            e.position, e.message
        ))
    })
}

/// The ledger settings of a Worker, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub mode: Mode,
    pub days: u64,
    pub key_template: Option<Template>,
}

impl Config {
    pub fn from_vars(
        mode: Option<&str>,
        days: Option<&str>,
        delivery_key: Option<&str>,
    ) -> Result<Config, Error> {
        Ok(Config {
            mode: Mode::parse(mode)?,
            days: parse_days(days)?,
            key_template: parse_key_template(delivery_key)?,
        })
    }
}

/// `"ledger"` of `GET /health`: the mode, `missing` when the mode records
/// routes but the binding is absent, `invalid` for an unusable `PASSBRIDGE_LEDGER`.
pub fn health_status(mode: Option<&str>, has_binding: bool) -> &'static str {
    match Mode::parse(mode) {
        Ok(Mode::Off) => "off",
        Ok(_) if !has_binding => "missing",
        Ok(m) => m.as_str(),
        Err(_) => "invalid",
    }
}

/// Adds `"ledger"` to the health answer.
pub fn with_health(answer: Answer, status: &str) -> Answer {
    let mut v = String::new();
    push_json_string(&mut v, status);
    answer.with_member("ledger", &v)
}

/// 500 for a recorded route without the D1 binding.
pub fn missing_binding(mode: Mode) -> Answer {
    failure(&Error::missing_config(format!(
        "the D1 binding {BINDING} is not configured, and PASSBRIDGE_LEDGER={} records this route: add [[d1_databases]] binding = \"{BINDING}\" to worker.toml (or set PASSBRIDGE_LEDGER=off)",
        mode.as_str()
    )))
}
