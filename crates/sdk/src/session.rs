//! Session ids: `{operator_id}_{13-digit unix ms}_{16 ASCII alphanumerics}`.
//!
//! The headset makes the id, not the server, so that a launch retried after a timeout carries
//! the same id and the server can answer it idempotently instead of billing twice.

use rand::distributions::Alphanumeric;
use rand::Rng;
use uuid::Uuid;

/// Length of the random suffix the contract requires.
pub const SESSION_RANDOM_LEN: usize = 16;

/// A fresh session id for `operator_id` at the current time.
pub fn new_session_id(operator_id: Uuid) -> String {
    session_id_at(
        operator_id,
        crate::client::unix_now_millis(),
        &mut rand::thread_rng(),
    )
}

/// The pure variant of [`new_session_id`]: the caller supplies the clock and the randomness
/// (tests, reproducible simulations). `unix_ms` is zero-padded to 13 digits; values outside
/// `0..=9_999_999_999_999` cannot form a valid id and the server will reject them.
pub fn session_id_at<R: Rng + ?Sized>(operator_id: Uuid, unix_ms: i64, rng: &mut R) -> String {
    let mut id = String::with_capacity(36 + 1 + 13 + 1 + SESSION_RANDOM_LEN);
    id.push_str(
        operator_id
            .hyphenated()
            .encode_lower(&mut Uuid::encode_buffer()),
    );
    id.push('_');
    id.push_str(&format!("{unix_ms:013}"));
    id.push('_');
    id.extend(
        rng.sample_iter(Alphanumeric)
            .take(SESSION_RANDOM_LEN)
            .map(char::from),
    );
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use mr_protocol::launch::check_session_id;
    use rand::SeedableRng;

    #[test]
    fn fresh_ids_pass_the_servers_check() {
        let op = Uuid::new_v4();
        for _ in 0..200 {
            let id = new_session_id(op);
            let now = crate::client::unix_now_millis();
            assert_eq!(check_session_id(&id, op, now), Ok(()), "{id}");
        }
    }

    #[test]
    fn the_pure_variant_is_deterministic_and_well_formed() {
        let op = Uuid::parse_str("0b9d8c36-3c57-4d55-9a0e-2d4a1f3e5b6c").unwrap();
        let ms = 1_704_067_200_123;
        let mut a = rand::rngs::StdRng::seed_from_u64(7);
        let mut b = rand::rngs::StdRng::seed_from_u64(7);
        let id = session_id_at(op, ms, &mut a);
        assert_eq!(id, session_id_at(op, ms, &mut b));
        assert!(id.starts_with("0b9d8c36-3c57-4d55-9a0e-2d4a1f3e5b6c_1704067200123_"));
        assert_eq!(id.len(), 36 + 1 + 13 + 1 + 16);
        assert_eq!(check_session_id(&id, op, ms), Ok(()));
        // Two ids drawn from one rng differ in the random part.
        assert_ne!(id, session_id_at(op, ms, &mut a));
    }
}
