//! The allocator's settings for a build.

/// mimalloc's `purge_delay` option; the constant is the option's place in
/// `mi_option_e` of the mimalloc that `libmimalloc-sys` builds (v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A build is short and its memory peaks late: memory freed by one stage
/// is wanted again by the next within moments, so it is kept rather than
/// given back to the system. Given back, it comes back as fresh pages the
/// kernel must zero, and fresh memory is dear on a virtual machine that
/// hands free memory back to its host: on the 2-core bench machine a first
/// touch of 1 GiB of huge pages took 2.7 to 3.2 s of system time, against
/// 0.1 s for pages touched before. Kept from the start of a cold M build,
/// the parse stage's 190 MB of file text is reused by the later stages:
/// 724 MB of fresh huge pages instead of 870 to 980 MB (`thp_fault_alloc`
/// in /proc/vmstat).
///
/// Only for a cold build: a rebuild after one work changed at M spent
/// more system time with it in each of 5 alternating pairs (0.98 to
/// 1.55 s against 0.75 to 0.96 s), so rebuilds keep mimalloc's default.
pub fn keep_freed_memory() {
    // SAFETY: sets a process-wide option; mimalloc reads it atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    use super::MI_OPTION_PURGE_DELAY;

    #[test]
    fn the_purge_delay_option_is_the_one_named() {
        // Option 15 defaults to 1000 (ms) only where it is `purge_delay`:
        // a mimalloc with its options in another order fails here.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            let v = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
            assert_eq!(v, 1000);
        }
    }
}
