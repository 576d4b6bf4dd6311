//! Counters behind the rate limits (R-L9) and the abuse detector (R-L10): fixed windows,
//! in Redis when `REDIS_URL` is set (shared by every server process), else in this process.
//!
//! Redis failing must not stop launches: the counters then fall back to this process's own,
//! with a warning, until Redis answers again.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use redis::aio::ConnectionManager;

/// One fixed window of a counter: which window, and the count (or set) in it.
#[derive(Default)]
struct Local {
    /// key → (window end in unix seconds, count)
    counts: HashMap<String, (u64, u64)>,
    /// key → (window end in unix seconds, members)
    sets: HashMap<String, (u64, HashSet<String>)>,
}

pub struct Counters {
    redis: Option<ConnectionManager>,
    local: Mutex<Local>,
}

/// Where a counter stands after a hit.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub count: u64,
    /// Seconds until the window ends.
    pub resets_in: u64,
}

fn window(now_secs: u64, len: u64) -> (u64, u64) {
    let w = now_secs / len;
    (w, (w + 1) * len - now_secs)
}

impl Counters {
    pub fn new(redis: Option<ConnectionManager>) -> Self {
        Counters {
            redis,
            local: Mutex::new(Local::default()),
        }
    }

    pub fn shared(&self) -> bool {
        self.redis.is_some()
    }

    /// Adds one to each counter (`key`, window length in seconds) and returns where each
    /// stands: one round trip to Redis for all of them.
    pub async fn incr(&self, keys: &[(&str, u64)], now_secs: u64) -> Vec<Hit> {
        if let Some(redis) = &self.redis {
            let mut pipe = redis::pipe();
            for (key, len) in keys {
                let (w, _) = window(now_secs, *len);
                let k = format!("mr:rl:{key}:{w}");
                pipe.incr(&k, 1u64)
                    .expire(&k, i64::try_from(*len * 2).unwrap_or(120))
                    .ignore();
            }
            let mut conn = redis.clone();
            match pipe.query_async::<Vec<u64>>(&mut conn).await {
                Ok(counts) if counts.len() == keys.len() => {
                    return counts
                        .into_iter()
                        .zip(keys)
                        .map(|(count, (_, len))| Hit {
                            count,
                            resets_in: window(now_secs, *len).1,
                        })
                        .collect();
                }
                Ok(_) => tracing::warn!("redis: unexpected reply to the rate-limit pipeline"),
                Err(e) => tracing::warn!(error = %e, "redis unavailable; counting in this process"),
            }
        }
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        if local.counts.len() > 200_000 {
            local.counts.retain(|_, (end, _)| *end > now_secs);
        }
        keys.iter()
            .map(|(key, len)| {
                let (_, resets_in) = window(now_secs, *len);
                let end = now_secs + resets_in;
                let entry = local.counts.entry(key.to_string()).or_insert((end, 0));
                if entry.0 != end {
                    *entry = (end, 0);
                }
                entry.1 += 1;
                Hit {
                    count: entry.1,
                    resets_in,
                }
            })
            .collect()
    }

    /// Adds `member` to the set `key` of the current window and returns the set's size.
    pub async fn add_to_set(&self, key: &str, len: u64, member: &str, now_secs: u64) -> u64 {
        let (w, resets_in) = window(now_secs, len);
        let end = now_secs + resets_in;
        if let Some(redis) = &self.redis {
            let k = format!("mr:set:{key}:{w}");
            let mut conn = redis.clone();
            let r: redis::RedisResult<(u64,)> = redis::pipe()
                .sadd(&k, member)
                .ignore()
                .expire(&k, i64::try_from(len * 2).unwrap_or(120))
                .ignore()
                .scard(&k)
                .query_async(&mut conn)
                .await;
            match r {
                Ok((n,)) => return n,
                Err(e) => tracing::warn!(error = %e, "redis unavailable; counting in this process"),
            }
        }
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        if local.sets.len() > 100_000 {
            local.sets.retain(|_, (e, _)| *e > now_secs);
        }
        let entry = local
            .sets
            .entry(key.to_string())
            .or_insert_with(|| (end, HashSet::new()));
        if entry.0 != end {
            *entry = (end, HashSet::new());
        }
        entry.1.insert(member.to_string());
        entry.1.len() as u64
    }

    /// The members of the set `key` in the current window.
    pub async fn members(&self, key: &str, len: u64, now_secs: u64) -> Vec<String> {
        let (w, resets_in) = window(now_secs, len);
        if let Some(redis) = &self.redis {
            let mut conn = redis.clone();
            match redis::cmd("SMEMBERS")
                .arg(format!("mr:set:{key}:{w}"))
                .query_async::<Vec<String>>(&mut conn)
                .await
            {
                Ok(m) => return m,
                Err(e) => {
                    tracing::warn!(error = %e, "redis unavailable; reading this process's set")
                }
            }
        }
        let local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        match local.sets.get(key) {
            Some((end, set)) if *end == now_secs + resets_in => set.iter().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_windows_count_and_reset() {
        let c = Counters::new(None);
        let t = 120; // start of a minute
        for i in 1..=3 {
            let h = c.incr(&[("ip:1", 60)], t + 5).await;
            assert_eq!(h[0].count, i);
            assert_eq!(h[0].resets_in, 55);
        }
        // The next window starts from zero.
        assert_eq!(c.incr(&[("ip:1", 60)], t + 60).await[0].count, 1);
        assert_eq!(c.add_to_set("k", 60, "a", t).await, 1);
        assert_eq!(c.add_to_set("k", 60, "a", t).await, 1);
        assert_eq!(c.add_to_set("k", 60, "b", t).await, 2);
        assert_eq!(c.members("k", 60, t + 59).await.len(), 2);
        assert!(c.members("k", 60, t + 60).await.is_empty());
    }
}
