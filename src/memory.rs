//! The allocator's settings for a build.

/// mimalloc's `purge_delay` option; the constant is the option's place in
/// `mi_option_e` of the mimalloc that `libmimalloc-sys` builds (v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A build is short and its memory peaks late: memory freed between stages
/// is wanted again within moments, so it is kept rather than given back to
/// the system. Given back, each page came back zeroed by the kernel, which
/// was 3 to 6% of a cold build's CPU time (`perf`, M world); kept, a cold
/// M build took about 800 page faults instead of 20,000 to 45,000.
///
/// Only for a cold build: a rebuild after one work changed at M spent
/// more system time with it in each of 5 alternating pairs (0.98 to
/// 1.55 s against 0.75 to 0.96 s), so rebuilds keep mimalloc's default.
///
/// And only from the render stage on, where pages are made and freed by
/// the hundred thousand: what loading and deriving freed need not be held
/// through it. Cold M builds took the same time either way (3 alternating
/// pairs); a cold L build peaked at 3610 MiB by hand against 3709 MiB when
/// kept from the start, but at 3713 MiB in a bench run, so the saving is
/// within the spread of L's peak from run to run.
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
