//! Times the core's plan natively (no wasm, no JS): `cargo run --release --example native_plan`.
use passbridge::{Handler, Options};
use std::collections::HashMap;
use std::time::Instant;

fn main() {
    let mut props = serde_json::Map::new();
    props.insert("loyalty_points".into(), 1000.into());
    props.insert("loyalty_tier".into(), "Gold".into());
    for k in 0..40 {
        props.insert(format!("p{k}"), k.into());
    }
    let profile = serde_json::json!({"data": {"attributes": {"external_id": "5d2b3f8a9c0e1f2a3b", "properties": props}}});
    let env: HashMap<&str, &str> = [
        ("PASSNINJA_API_KEY", "bench-key"),
        ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_0x1b7e"),
    ]
    .into_iter()
    .collect();
    let handler = Handler::new(&Options::default()).expect("default options are valid");
    let n: u32 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let t0 = Instant::now();
    let mut total = 0;
    for _ in 0..n {
        if let Ok(passbridge::Plan::Send(r)) = handler.plan(Some(&profile), None, &env) {
            total += r.url.len();
        }
    }
    let per = t0.elapsed().as_nanos() as f64 / f64::from(n);
    println!("native plan: {per:.0} ns per call ({total})");
}
