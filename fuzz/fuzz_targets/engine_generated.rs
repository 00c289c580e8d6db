#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sayso_fuzz::targets::engine_generated(data));
