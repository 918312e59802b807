//! Peers measured, not quoted: runs `benches/peers/run.sh` (Kalshi's official SDKs in
//! a scratch environment) against this process's own server when `BENCH_PEERS` asks
//! for it, and reads the JSON the script writes. Without `BENCH_PEERS` nothing runs and
//! the report says "peer not measured": no peer figure is ever a constant here.

use std::path::PathBuf;

use super::*;

/// One peer's figures, as its script measured them. `None` where it did not run a
/// workload. Per-key arrays are `[RSA, Ed25519]`.
#[derive(Clone, Debug)]
pub struct PeerFigures {
    pub name: String,
    pub short: String,
    pub w1_rps: [Option<f64>; 2],
    pub w1_cpu_us: [Option<f64>; 2],
    pub w2_seconds: Option<f64>,
    pub w3_rps: Option<f64>,
    pub w3_cpu_us: Option<f64>,
    pub peak_rss_mb: Option<f64>,
}

/// Runs the peer script against `server` if `BENCH_PEERS` is set (to anything but `0`
/// or empty); an empty list otherwise.
pub fn measure_peers(server: &Server, w2_fills: usize) -> Result<Vec<PeerFigures>, String> {
    match std::env::var("BENCH_PEERS") {
        Ok(value) if !value.is_empty() && value != "0" => {}
        _ => return Ok(Vec::new()),
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("kalshi-peers-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&out);
    server.set_fills_total(w2_fills);
    let status = std::process::Command::new("bash")
        .arg(root.join("benches/peers/run.sh"))
        .arg("--base-url")
        .arg(&server.base_url)
        .arg("--key-id")
        .arg(KEY_ID)
        .arg("--rsa-key")
        .arg(Key::Rsa.path())
        .arg("--ed25519-key")
        .arg(Key::Ed25519.path())
        .arg("--fills")
        .arg(w2_fills.to_string())
        .arg("--out")
        .arg(&out)
        // The script's progress goes to stderr; the report's own lines to stdout.
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run benches/peers/run.sh: {e}"))?;
    if !status.success() {
        return Err(format!("benches/peers/run.sh exited with {status}"));
    }
    let text = std::fs::read_to_string(&out)
        .map_err(|e| format!("no output at {}: {e}", out.display()))?;
    let _ = std::fs::remove_file(&out);
    parse_peers(&text)
}

/// Reads the script's JSON: `{"peers": [{"name", "short", "w1": {"rsa": {"rps",
/// "cpu_us"}, "ed25519": {..}}, "w2": {"seconds"}, "w3": {"rps", "cpu_us"},
/// "peak_rss_mb"}]}`.
pub fn parse_peers(text: &str) -> Result<Vec<PeerFigures>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("peer output is not JSON: {e}"))?;
    let peers = value
        .get("peers")
        .and_then(serde_json::Value::as_array)
        .ok_or("peer output has no \"peers\" list")?;
    let number = |v: &serde_json::Value, path: &[&str]| {
        path.iter()
            .try_fold(v, |v, key| v.get(key))
            .and_then(serde_json::Value::as_f64)
    };
    Ok(peers
        .iter()
        .map(|peer| PeerFigures {
            name: peer
                .get("name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("peer")
                .to_owned(),
            short: peer
                .get("short")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("peer")
                .to_owned(),
            w1_rps: [
                number(peer, &["w1", "rsa", "rps"]),
                number(peer, &["w1", "ed25519", "rps"]),
            ],
            w1_cpu_us: [
                number(peer, &["w1", "rsa", "cpu_us"]),
                number(peer, &["w1", "ed25519", "cpu_us"]),
            ],
            w2_seconds: number(peer, &["w2", "seconds"]),
            w3_rps: number(peer, &["w3", "rps"]),
            w3_cpu_us: number(peer, &["w3", "cpu_us"]),
            peak_rss_mb: number(peer, &["peak_rss_mb"]),
        })
        .collect())
}
